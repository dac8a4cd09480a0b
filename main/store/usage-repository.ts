import type Database from 'better-sqlite3';
import type { WriteBehind } from './write-behind';

/** Tokens used by one model request. */
export interface UsageRecord {
  keyId: string | null;
  keyName: string | null;
  surface: 'responses' | 'chat';
  provider: string;
  model: string;
  requestId: string | null;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

/** The `token_usage` table: one row per request, summed per key on demand. */
export class UsageRepository {
  private readonly insert;

  /** With `writer`, rows are committed in batches shortly after record() (reads flush first). */
  constructor(
    private readonly db: Database.Database,
    private readonly writer?: WriteBehind,
  ) {
    this.insert = db.prepare(
      `INSERT INTO token_usage (ts, key_id, key_name, surface, provider, model, request_id, input_tokens, output_tokens, total_tokens)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  record(usage: UsageRecord): void {
    const ts = new Date().toISOString();
    if (this.writer) this.writer.add(() => this.write(ts, usage));
    else this.write(ts, usage);
  }

  private write(ts: string, usage: UsageRecord): void {
    this.insert.run(ts, usage.keyId, usage.keyName, usage.surface, usage.provider, usage.model, usage.requestId, usage.inputTokens, usage.outputTokens, usage.totalTokens);
  }

  /** Totals per key (null key = the master key). */
  totalsByKey(): Array<{ keyId: string | null; requests: number; inputTokens: number; outputTokens: number; totalTokens: number }> {
    this.writer?.flush();
    return this.db
      .prepare(
        `SELECT key_id AS keyId, COUNT(*) AS requests, SUM(input_tokens) AS inputTokens, SUM(output_tokens) AS outputTokens,
                SUM(total_tokens) AS totalTokens FROM token_usage GROUP BY key_id`,
      )
      .all() as Array<{ keyId: string | null; requests: number; inputTokens: number; outputTokens: number; totalTokens: number }>;
  }

  /** The most recent requests, newest first. */
  recent(limit: number): Array<Record<string, unknown>> {
    this.writer?.flush();
    return this.db.prepare('SELECT * FROM token_usage ORDER BY id DESC LIMIT ?').all(limit) as Array<Record<string, unknown>>;
  }
}
