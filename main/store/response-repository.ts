import type Database from 'better-sqlite3';

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

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(
      `INSERT OR REPLACE INTO responses (id, key_id, model, created_at, response, conversation, pending_approvals, instructions)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.select = db.prepare('SELECT * FROM responses WHERE id = ?');
  }

  save(stored: StoredResponse): void {
    this.insert.run(
        stored.id,
        stored.keyId,
        stored.model,
        new Date().toISOString(),
        JSON.stringify(stored.response),
        JSON.stringify(stored.conversation),
        JSON.stringify(stored.pendingApprovals),
        stored.instructions,
      );
  }

  get(id: string): StoredResponse | null {
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
    const cutoff = new Date(Date.now() - days * 86_400_000).toISOString();
    return this.db.prepare('DELETE FROM responses WHERE created_at < ?').run(cutoff).changes;
  }
}
