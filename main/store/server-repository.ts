import type Database from 'better-sqlite3';
import type { ServerConfig } from '../../shared/types';
import type { SecretBox } from './secret-box';

interface ServerRow {
  name: string;
  transport: ServerConfig['transport'];
  command: string | null;
  args: string;
  env: string;
  cwd: string | null;
  url: string | null;
  headers: string;
  enabled: number;
  tool_timeout_ms: number;
}

/** The `servers` table; env and headers are sealed with the secret box. */
export class ServerRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly secrets: SecretBox,
    private readonly onUnreadable?: (server: string, reason: string) => void,
  ) {}

  /** Every server, in the order they were added. */
  list(): ServerConfig[] {
    const rows = this.db.prepare('SELECT * FROM servers ORDER BY created_at, name').all() as ServerRow[];
    return rows.map((row) => this.fromRow(row));
  }

  get(name: string): ServerConfig | null {
    const row = this.db.prepare('SELECT * FROM servers WHERE name = ?').get(name) as ServerRow | undefined;
    return row ? this.fromRow(row) : null;
  }

  /** Inserts or replaces one server. */
  save(server: ServerConfig): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO servers (name, transport, command, args, env, cwd, url, headers, enabled, tool_timeout_ms, created_at, updated_at)
         VALUES (@name, @transport, @command, @args, @env, @cwd, @url, @headers, @enabled, @toolTimeoutMs, @now, @now)
         ON CONFLICT(name) DO UPDATE SET transport=excluded.transport, command=excluded.command, args=excluded.args,
           env=excluded.env, cwd=excluded.cwd, url=excluded.url, headers=excluded.headers, enabled=excluded.enabled,
           tool_timeout_ms=excluded.tool_timeout_ms, updated_at=excluded.updated_at`,
      )
      .run({
        ...server,
        args: JSON.stringify(server.args),
        env: this.seal(server.env),
        headers: this.seal(server.headers),
        enabled: server.enabled ? 1 : 0,
        now,
      });
  }

  /** Saves several servers in one transaction: all or none. */
  saveAll(servers: ServerConfig[]): void {
    this.db.transaction(() => servers.forEach((server) => this.save(server)))();
  }

  delete(name: string): boolean {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM tool_settings WHERE server = ?').run(name);
      return this.db.prepare('DELETE FROM servers WHERE name = ?').run(name).changes > 0;
    })();
  }

  private seal(map: Record<string, string>): string {
    return Object.keys(map).length ? this.secrets.encrypt(JSON.stringify(map)) : '';
  }

  /**
   * A secret this box cannot open (sealed by the tray app's keychain, or a lost secret.key)
   * leaves that server without its env/headers rather than taking the whole gateway down.
   */
  private open(sealed: string, server: string): Record<string, string> {
    if (!sealed) return {};
    try {
      return JSON.parse(this.secrets.decrypt(sealed)) as Record<string, string>;
    } catch (error) {
      this.onUnreadable?.(server, (error as Error).message);
      return {};
    }
  }

  private fromRow(row: ServerRow): ServerConfig {
    return {
      name: row.name,
      transport: row.transport,
      command: row.command,
      args: JSON.parse(row.args) as string[],
      env: this.open(row.env, row.name),
      cwd: row.cwd,
      url: row.url,
      headers: this.open(row.headers, row.name),
      enabled: row.enabled === 1,
      toolTimeoutMs: row.tool_timeout_ms,
    };
  }
}
