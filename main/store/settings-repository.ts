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
  constructor(private readonly db: Database.Database) {}

  get(): Settings {
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as Array<{ key: string; value: string }>;
    const stored = Object.fromEntries(rows.map((row) => [row.key, JSON.parse(row.value) as unknown]));
    return { ...DEFAULT_SETTINGS, ...(stored as Partial<Settings>) };
  }

  update(patch: Partial<Settings>): Settings {
    const statement = this.db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(patch)) if (value !== undefined) statement.run(key, JSON.stringify(value));
    })();
    return this.get();
  }
}
