import type { CancelSignal } from './cancel';
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { PendingCall } from '../../shared/types';

export type { PendingCall };

/** How long a call waits for a person before it fails. */
export const APPROVAL_TIMEOUT_MS = 120_000;

/** How a wait ended. */
export type ApprovalOutcome = 'approve' | 'deny' | 'timeout' | 'cancelled';

/**
 * Tool calls that wait for a person (tools set to ask). The core holds them here; the admin
 * API lists and decides them, and the tray shows a notification for each. Emits `change`.
 */
export class ApprovalQueue extends EventEmitter {
  private readonly pending = new Map<string, { call: PendingCall; finish: (outcome: ApprovalOutcome) => void }>();

  constructor(private readonly timeoutMs = APPROVAL_TIMEOUT_MS) {
    super();
  }

  /** Waits for a decision on one call; cancelled when `signal` aborts. */
  wait(call: Omit<PendingCall, 'id' | 'createdAt' | 'expiresAt'>, signal?: CancelSignal): Promise<ApprovalOutcome> {
    const id = randomUUID();
    const now = Date.now();
    const entry: PendingCall = { ...call, id, createdAt: new Date(now).toISOString(), expiresAt: new Date(now + this.timeoutMs).toISOString() };
    return new Promise((resolve) => {
      const finish = (outcome: ApprovalOutcome) => {
        if (!this.pending.delete(id)) return;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
        this.emit('change');
      };
      const onAbort = () => finish('cancelled');
      const timer = setTimeout(() => finish('timeout'), this.timeoutMs);
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, { call: entry, finish });
      this.emit('change');
      if (signal?.aborted) finish('cancelled');
    });
  }

  list(): PendingCall[] {
    return [...this.pending.values()].map((entry) => entry.call);
  }

  /** Applies a person's decision; false when no such call waits. */
  decide(id: string, decision: 'approve' | 'deny'): boolean {
    const entry = this.pending.get(id);
    if (!entry) return false;
    entry.finish(decision);
    return true;
  }

  /** Denies everything still waiting (shutdown). */
  clear(): void {
    for (const entry of [...this.pending.values()]) entry.finish('cancelled');
  }
}
