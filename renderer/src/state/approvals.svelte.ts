import { ApiError, type ApiClient } from '../lib/api-client';
import { Snapshot } from './snapshot.svelte';
import type { PendingCall } from '../../../shared/types';

export type { PendingCall };

/** Calls waiting for approval; polled everywhere so the sidebar can show how many. */
export class ApprovalsState extends Snapshot<PendingCall[]> {
  /** Why the last decision did not land on a call that no longer waits (shown above the list). */
  gone = $state<string | null>(null);

  constructor(api: ApiClient) {
    super(api, '/api/approvals', []);
  }

  /** Lets the call run, or refuses it. */
  async decide(id: string, decision: 'approve' | 'deny'): Promise<void> {
    const call = this.value.find((candidate) => candidate.id === id);
    this.gone = null;
    try {
      await this.api.post(`/api/approvals/${encodeURIComponent(id)}`, { decision });
    } catch (error) {
      // Already decided, timed out or cancelled: the call no longer waits, so its card goes.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      this.gone = `${call?.tool ?? 'That call'}: ${error.message}`;
    }
    this.value = this.value.filter((candidate) => candidate.id !== id);
  }
}
