import { EventEmitter } from 'node:events';
import type { LogEntry } from '../../shared/types';
import { cut, redact } from '../../shared/redact';
import type { LogRepository, NewLogEntry } from '../store/log-repository';

/** Longest JSON kept for arguments or result of one call. */
export const LOG_PAYLOAD_MAX_CHARS = 16_384;
/** How often batched log entries are written. */
export const LOG_FLUSH_INTERVAL_MS = 100;
/** How often retention runs. */
export const LOG_PRUNE_INTERVAL_MS = 60_000;

/** Retention limits, read each time so Settings apply at once. */
export interface RetentionSource {
  (): { count: number; days: number };
}

/**
 * The tool-execution log: one place every surface reports calls to. Entries are redacted and
 * cut here, written in one transaction per tick, and fanned out live to subscribers.
 */
export class LogBus {
  private readonly events = new EventEmitter();
  private pending: NewLogEntry[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly pruneTimer: NodeJS.Timeout;

  constructor(
    private readonly repository: LogRepository,
    private readonly secrets: () => ReadonlySet<string>,
    private readonly retention: RetentionSource,
    private readonly onError: (error: unknown) => void,
  ) {
    this.events.setMaxListeners(0);
    this.pruneTimer = setInterval(() => this.prune(), LOG_PRUNE_INTERVAL_MS).unref();
  }

  /** Records one finished call. Cheap: redaction and the write happen on the next flush. */
  record(entry: NewLogEntry): void {
    // Redacting and cutting happen once per batch in flush(), off the call's path.
    this.pending.push(entry);
    this.flushTimer ??= setTimeout(() => this.flush(), LOG_FLUSH_INTERVAL_MS);
  }

  /** Writes what is pending now (also on shutdown). */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.pending.length) return;
    const pending = this.pending;
    this.pending = [];
    try {
      const known = this.secrets();
      // Entries for live subscribers (an open log view) only when there are some: under load
      // with nobody watching, a batch of copies that outlive a young-generation GC is waste.
      const live: LogEntry[] | null = this.events.listenerCount('entry') ? [] : null;
      const batch = pending.map((entry) => {
        const args = cut(redact(entry.arguments, known), LOG_PAYLOAD_MAX_CHARS);
        const result = cut(redact(entry.result, known), LOG_PAYLOAD_MAX_CHARS);
        live?.push({ ...entry, id: 0, arguments: args.value, result: result.value });
        return { entry, argumentsJson: args.json, resultJson: result.json };
      });
      const ids = this.repository.insertMany(batch);
      if (live) {
        for (const [index, entry] of live.entries()) {
          entry.id = ids[index];
          this.events.emit('entry', entry);
        }
      }
    } catch (error) {
      this.onError(error);
    }
  }

  /** Calls `listener` for every entry written from now on; returns the unsubscribe. */
  subscribe(listener: (entry: LogEntry) => void): () => void {
    this.events.on('entry', listener);
    return () => this.events.off('entry', listener);
  }

  /** Applies retention now. */
  prune(): void {
    try {
      const { count, days } = this.retention();
      this.repository.prune(count, days);
    } catch (error) {
      this.onError(error);
    }
  }

  close(): void {
    clearInterval(this.pruneTimer);
    this.flush();
  }
}
