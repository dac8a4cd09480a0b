import type { ApiClient } from '../lib/api-client';
import { messageOf } from '../lib/api-client';
import { poll } from '../lib/poll';

/**
 * One admin API resource read whole (`GET /api/servers`…): the last snapshot, whether it has
 * loaded, and why the last read failed.
 */
export class Snapshot<T> {
  value = $state.raw<T>() as T;
  loaded = $state(false);
  error = $state<string | null>(null);

  constructor(
    protected readonly api: ApiClient,
    private readonly path: string,
    initial: T,
  ) {
    this.value = initial;
  }

  /** Reads the resource again. */
  async refresh(): Promise<void> {
    try {
      this.value = await this.api.get<T>(this.path);
      this.error = null;
    } catch (error) {
      this.error = messageOf(error);
    } finally {
      this.loaded = true;
    }
  }

  /** Keeps the snapshot fresh while the returned function has not been called. */
  watch(intervalMs: number): () => void {
    return poll(() => this.refresh(), intervalMs);
  }
}
