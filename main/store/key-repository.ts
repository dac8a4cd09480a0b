import type Database from 'better-sqlite3';
import type { KeyInfo } from '../../shared/types';

interface KeyRow {
  id: string;
  name: string;
  hash: string;
  servers: string | null;
  tools: string | null;
  models: string | null;
  expires_at: string | null;
  created_at: string;
  last_used_at: string | null;
}

/** A stored key with the hash it is found by. */
export interface StoredKey {
  hash: string;
  info: KeyInfo;
}

const list = (value: string | null): string[] | null => (value === null ? null : (JSON.parse(value) as string[]));
const json = (value: string[] | null | undefined): string | null => (value == null ? null : JSON.stringify(value));

/** The `virtual_keys` table. Keys are stored only as SHA-256 hashes. */
export class KeyRepository {
  constructor(private readonly db: Database.Database) {}

  list(): StoredKey[] {
    const rows = this.db.prepare('SELECT * FROM virtual_keys ORDER BY created_at').all() as KeyRow[];
    return rows.map(fromRow);
  }

  get(id: string): KeyInfo | null {
    const row = this.db.prepare('SELECT * FROM virtual_keys WHERE id = ?').get(id) as KeyRow | undefined;
    return row ? fromRow(row).info : null;
  }

  insert(hash: string, info: KeyInfo): void {
    this.db
      .prepare(
        `INSERT INTO virtual_keys (id, name, hash, servers, tools, models, expires_at, created_at, last_used_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
      )
      .run(info.id, info.name, hash, json(info.servers), json(info.tools), json(info.models), info.expiresAt, info.createdAt);
  }

  update(info: KeyInfo): void {
    this.db
      .prepare('UPDATE virtual_keys SET name = ?, servers = ?, tools = ?, models = ?, expires_at = ? WHERE id = ?')
      .run(info.name, json(info.servers), json(info.tools), json(info.models), info.expiresAt, info.id);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM virtual_keys WHERE id = ?').run(id).changes > 0;
  }

  /** Records last use for several keys in one transaction (called off the hot path). */
  touch(uses: Map<string, string>): void {
    const statement = this.db.prepare('UPDATE virtual_keys SET last_used_at = ? WHERE id = ?');
    this.db.transaction(() => uses.forEach((at, id) => statement.run(at, id)))();
  }
}

function fromRow(row: KeyRow): StoredKey {
  return {
    hash: row.hash,
    info: {
      id: row.id,
      name: row.name,
      servers: list(row.servers),
      tools: list(row.tools),
      models: list(row.models),
      expiresAt: row.expires_at,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
    },
  };
}
