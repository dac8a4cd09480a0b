import type Database from 'better-sqlite3';
import type { WriteBehind } from './write-behind';

/** A stored response: what `GET /v1/responses/{id}` returns and what `previous_response_id` continues. */
export interface StoredResponse {
  id: string;
  keyId: string | null;
  model: string;
  response: Record<string, unknown>;
  conversation: unknown[];
  pendingApprovals: Record<string, { call_id: string; name: string; arguments: string }>;
  instructions: string | null;
}

/** How long stored responses are kept. */
export const RESPONSE_RETENTION_DAYS = 30;

/** The `responses` table. */
export class ResponseRepository {
  private readonly insert;
  private readonly select;
  /** Saved but not yet committed (with a writer): get() finds them here. */
  private readonly queued = new Map<string, StoredResponse>();

  /** With `writer`, saves are committed in batches shortly after; get() sees them at once. */
  constructor(
    private readonly db: Database.Database,
    private readonly writer?: WriteBehind,
  ) {
    this.insert = db.prepare(
      `INSERT OR REPLACE INTO responses (id, key_id, model, created_at, response, conversation, pending_approvals, instructions)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.select = db.prepare('SELECT * FROM responses WHERE id = ?');
  }

  save(stored: StoredResponse): void {
    const createdAt = new Date().toISOString();
    if (!this.writer) return this.write(stored, createdAt);
    this.queued.set(stored.id, stored);
    this.writer.add(
      () => this.write(stored, createdAt),
      // Off the queue once its batch is done, committed or not (the writer logs a failure).
      () => this.queued.get(stored.id) === stored && this.queued.delete(stored.id),
    );
  }

  private write(stored: StoredResponse, createdAt: string): void {
    this.insert.run(
        stored.id,
        stored.keyId,
        stored.model,
        createdAt,
        JSON.stringify(stored.response),
        JSON.stringify(stored.conversation),
        JSON.stringify(stored.pendingApprovals),
        stored.instructions,
      );
  }

  get(id: string): StoredResponse | null {
    const queued = this.queued.get(id);
    if (queued) return queued;
    const row = this.select.get(id) as
      | { id: string; key_id: string | null; model: string; response: string; conversation: string; pending_approvals: string; instructions: string | null }
      | undefined;
    if (!row) return null;
    return {
      id: row.id,
      keyId: row.key_id,
      model: row.model,
      response: JSON.parse(row.response) as Record<string, unknown>,
      conversation: JSON.parse(row.conversation) as unknown[],
      pendingApprovals: JSON.parse(row.pending_approvals) as StoredResponse['pendingApprovals'],
      instructions: row.instructions,
    };
  }

  /** Drops responses older than the retention. */
  prune(days = RESPONSE_RETENTION_DAYS): number {
    this.writer?.flush();
    const cutoff = new Date(Date.now() - days * 86_400_000).toISOString();
    return this.db.prepare('DELETE FROM responses WHERE created_at < ?').run(cutoff).changes;
  }
}
