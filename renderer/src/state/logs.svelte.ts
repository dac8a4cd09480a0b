import type { LogEntry } from '../../../shared/types';
import { messageOf, type ApiClient } from '../lib/api-client';

/** Most rows kept in memory (and so on screen); older ones are dropped as new ones stream in. */
export const MAX_LOG_ROWS = 10_000;
/** Rows fetched per history page (the API's maximum is 1000). */
const PAGE_SIZE = 500;
/** Streamed entries are applied in batches, so a burst costs one render, not hundreds. */
const FLUSH_DELAY_MS = 50;
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 10_000;

/** What the log is narrowed to; empty strings mean "any". */
export interface LogFilter {
  server: string;
  tool: string;
  key: string;
  errorsOnly: boolean;
}

/** State of the live stream. */
export type StreamState = 'stopped' | 'connecting' | 'live' | 'reconnecting';

/** Whether an entry passes the filter (the same test the API applies to history). */
export function matchesFilter(filter: LogFilter, entry: LogEntry): boolean {
  return (
    (!filter.server || entry.server === filter.server) &&
    (!filter.tool || entry.tool === filter.tool) &&
    (!filter.key || entry.key === filter.key) &&
    (!filter.errorsOnly || entry.isError)
  );
}

/** Merges two newest-first lists into one, each id once, at most `limit` long. */
export function mergeNewestFirst(a: LogEntry[], b: LogEntry[], limit = MAX_LOG_ROWS): LogEntry[] {
  const out: LogEntry[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < a.length || j < b.length)) {
    const next = j >= b.length || (i < a.length && a[i].id >= b[j].id) ? a[i++] : b[j++];
    if (out.length && out[out.length - 1].id === next.id) continue;
    out.push(next);
  }
  return out;
}

/**
 * The tool-call log: history from `GET /api/logs`, then live entries from the SSE stream,
 * newest first, capped at MAX_LOG_ROWS. Pausing holds new entries back without losing them.
 */
export class LogsState {
  entries = $state.raw<LogEntry[]>([]);
  filter = $state.raw<LogFilter>({ server: '', tool: '', key: '', errorsOnly: false });
  paused = $state(false);
  /** How many entries wait while paused. */
  held = $state(0);
  stream = $state<StreamState>('stopped');
  streamError = $state<string | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /** False once history has no older entries (or the cap is reached). */
  hasOlder = $state(true);

  private incoming: LogEntry[] = [];
  private heldEntries: LogEntry[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private controller: AbortController | null = null;
  /** Bumped when the filter changes, so a late answer for the old filter is dropped. */
  private generation = 0;

  constructor(private readonly api: ApiClient) {}

  /** Opens the live stream and loads recent history; does nothing when already started. */
  start(): void {
    if (this.controller) return;
    this.controller = new AbortController();
    void this.follow(this.controller.signal);
    void this.loadHistory();
  }

  /** Closes the stream. */
  stop(): void {
    this.controller?.abort();
    this.controller = null;
    clearTimeout(this.flushTimer);
    this.stream = 'stopped';
  }

  /** Narrows the log; history is read again with the new filter. */
  setFilter(filter: LogFilter): void {
    this.filter = filter;
    this.generation++;
    this.entries = [];
    this.incoming = [];
    this.heldEntries = this.heldEntries.filter((entry) => matchesFilter(filter, entry));
    this.held = this.heldEntries.length;
    this.hasOlder = true;
    void this.loadHistory();
  }

  /** Stops the list from moving; new entries are counted and kept. */
  pause(): void {
    this.paused = true;
  }

  /** Shows what arrived while paused, and streams on. */
  resume(): void {
    this.paused = false;
    this.incoming.push(...this.heldEntries);
    this.heldEntries = [];
    this.held = 0;
    this.flush();
  }

  /** Reads the newest page of history (again) and merges it in. */
  async loadHistory(): Promise<void> {
    await this.readPage(null);
  }

  /** Reads the page before the oldest entry shown. */
  async loadOlder(): Promise<void> {
    const oldest = this.entries.at(-1);
    if (oldest) await this.readPage(oldest.id);
  }

  /** Adds one streamed entry (also the test seam for the stream). */
  receive(entry: LogEntry): void {
    if (!matchesFilter(this.filter, entry)) return;
    if (this.paused) {
      if (this.heldEntries.length < MAX_LOG_ROWS) this.heldEntries.push(entry);
      this.held = this.heldEntries.length;
      return;
    }
    this.incoming.push(entry);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_DELAY_MS);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.incoming.length) return;
    const fresh = this.incoming.sort((a, b) => b.id - a.id);
    this.incoming = [];
    this.entries = mergeNewestFirst(fresh, this.entries);
  }

  private async readPage(before: number | null): Promise<void> {
    const generation = this.generation;
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (before !== null) query.set('before', String(before));
    const { server, tool, key, errorsOnly } = this.filter;
    if (server) query.set('server', server);
    if (tool) query.set('tool', tool);
    if (key) query.set('key', key);
    if (errorsOnly) query.set('status', 'error');
    const initial = before === null && this.entries.length === 0;
    this.loading = true;
    try {
      const page = await this.api.get<LogEntry[]>(`/api/logs?${query}`);
      if (generation !== this.generation) return;
      this.entries = mergeNewestFirst(this.entries, page);
      // A catch-up read after a reconnect says nothing about what is older.
      if (before !== null || initial) this.hasOlder = page.length === PAGE_SIZE && this.entries.length < MAX_LOG_ROWS;
      this.error = null;
    } catch (error) {
      if (generation === this.generation) this.error = messageOf(error);
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  /** Keeps the stream open, reconnecting with backoff and catching up on what was missed. */
  private async follow(signal: AbortSignal): Promise<void> {
    let delay = RECONNECT_MIN_MS;
    let reconnecting = false;
    while (!signal.aborted) {
      this.stream = reconnecting ? 'reconnecting' : 'connecting';
      try {
        await this.api.stream(
          '/api/logs/stream',
          (event) => {
            if (event.event === 'log') this.receive(JSON.parse(event.data) as LogEntry);
          },
          signal,
          () => {
            this.stream = 'live';
            this.streamError = null;
            delay = RECONNECT_MIN_MS;
            if (reconnecting) void this.loadHistory();
          },
        );
        this.streamError = 'The live stream ended.';
      } catch (error) {
        if (signal.aborted) return;
        this.streamError = messageOf(error);
      }
      reconnecting = true;
      this.stream = 'reconnecting';
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    }
  }
}
