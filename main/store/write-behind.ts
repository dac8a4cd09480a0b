import type Database from 'better-sqlite3';

/** How long writes wait to be committed together. */
export const WRITE_BEHIND_MS = 100;

/**
 * Writes that need not hold up an answer (token usage, stored responses), committed together in
 * one transaction shortly after: one fsync (the database runs `synchronous=FULL`) per batch
 * rather than one or two per request. What reads them back must look at what is still queued
 * (see ResponseRepository.get) or call flush() first. Shutdown flushes.
 */
export class WriteBehind {
  private queue: Array<() => void> = [];
  private settled: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database.Database,
    private readonly onError: (error: unknown) => void,
    private readonly delayMs = WRITE_BEHIND_MS,
  ) {}

  /** Queues one write (a function running prepared statements); `settled` runs after its batch, committed or not. */
  add(write: () => void, settled?: () => void): void {
    this.queue.push(write);
    if (settled) this.settled.push(settled);
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** Commits what is queued now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.queue.length) return;
    const writes = this.queue;
    const settled = this.settled;
    this.queue = [];
    this.settled = [];
    try {
      this.db.transaction(() => {
        for (const write of writes) write();
      })();
    } catch (error) {
      this.onError(error);
    } finally {
      for (const done of settled) done();
    }
  }
}
