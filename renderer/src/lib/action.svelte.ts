import { messageOf } from './api-client';

/**
 * One thing a person can do (save, restart, revoke…): whether it is running and the error it
 * ended with, so the error shows next to the control that caused it.
 */
export class Action {
  busy = $state(false);
  error = $state<string | null>(null);

  /** Runs `work`; returns its result, or undefined when it failed (the error is kept). */
  async run<T>(work: () => Promise<T>): Promise<T | undefined> {
    this.busy = true;
    this.error = null;
    try {
      return await work();
    } catch (error) {
      this.error = messageOf(error);
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  /** Forgets the last error. */
  clear(): void {
    this.error = null;
  }
}
