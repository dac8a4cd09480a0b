/**
 * What a running call listens on to learn that it was cancelled. AbortSignal fits it (the /v1
 * loop passes one), and so does CallCancel.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * The cancellation of one `/mcp` request: the part of AbortController the gateway uses, at a
 * fraction of its cost (an AbortController and its AbortSignal per call showed up at ~3% of
 * the gateway's CPU under load). Listeners run once, on the first abort; a listener added after
 * it is not called, as with AbortSignal, so callers check `aborted` first.
 */
export class CallCancel implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> | null = null;

  /** The signal side (the same object: there is nothing to hide from the callee here). */
  get signal(): CancelSignal {
    return this;
  }

  abort(reason: unknown = new Error('the call was cancelled')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = null;
    for (const listener of listeners ?? []) listener();
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const index = this.listeners?.indexOf(listener) ?? -1;
    if (index !== -1) this.listeners!.splice(index, 1);
  }
}
