import type Database from 'better-sqlite3';
import type { Settings } from '../../shared/types';

/** Settings used until a person changes them. */
export const DEFAULT_SETTINGS: Settings = {
  port: 4000,
  host: '127.0.0.1',
  logRetentionCount: 100_000,
  logRetentionDays: 30,
  startAtLogin: false,
};

/** The `settings` table: one JSON value per key. */
export class SettingsRepository {
  private readonly upsert;

  constructor(private readonly db: Database.Database) {
    this.upsert = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  }

  get(): Settings {
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as Array<{ key: string; value: string }>;
    // Only the settings' own keys: the table also keeps what Gatehouse remembers between runs.
    const stored = Object.fromEntries(rows.filter((row) => Object.prototype.hasOwnProperty.call(DEFAULT_SETTINGS, row.key)).map((row) => [row.key, JSON.parse(row.value) as unknown]));
    return { ...DEFAULT_SETTINGS, ...(stored as Partial<Settings>) };
  }

  update(patch: Partial<Settings>): Settings {
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(patch)) if (value !== undefined) this.upsert.run(key, JSON.stringify(value));
    })();
    return this.get();
  }

  /** What Gatehouse remembered between runs under `key` (not a setting: never shown), or null. */
  remembered(key: RememberedKey): string | null {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(`remembered.${key}`) as { value: string } | undefined;
    if (!row) return null;
    try {
      const value = JSON.parse(row.value) as unknown;
      return typeof value === 'string' ? value : null;
    } catch {
      return null;
    }
  }

  remember(key: RememberedKey, value: string): void {
    this.upsert.run(`remembered.${key}`, JSON.stringify(value));
  }
}

/**
 * What Gatehouse remembers between runs (see mcp/child-env.ts): the login shell's PATH, and the
 * names (never the values) of the proxy and certificate variables its profile sets.
 */
export type RememberedKey = 'loginShellPath' | 'loginShellNetwork';
