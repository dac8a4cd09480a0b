import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseTooNewError, DB_FILE_NAME, openDatabase } from '../../main/store/database';
import { MIGRATIONS } from '../../main/store/migrations';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-db-'));
  dirs.push(dir);
  return dir;
}

describe('the SQLite store (real file)', () => {
  it('opens with WAL, full sync, foreign keys and a 2 MB page cache (better-sqlite3 builds SQLite with 16 MB)', () => {
    const dir = dataDir();
    const db = openDatabase(dir);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      // Negative = KiB. The tool log would otherwise grow the process by 16 MB under load.
      expect(db.pragma('cache_size', { simple: true })).toBe(-2000);
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    } finally {
      db.close();
    }
    if (process.platform !== 'win32') expect(statSync(join(dir, DB_FILE_NAME)).mode & 0o777).toBe(0o600);
  });

  it('refuses a database written by a newer Gatehouse, says what to do, and leaves it as it was', () => {
    const dir = dataDir();
    openDatabase(dir).close();
    const raw = new Database(join(dir, DB_FILE_NAME));
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();

    expect(() => openDatabase(dir)).toThrow(DatabaseTooNewError);
    expect(() => openDatabase(dir)).toThrow(/Update Gatehouse, or point --data-dir at another folder/);
    const after = new Database(join(dir, DB_FILE_NAME), { readonly: true });
    try {
      expect(after.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1);
    } finally {
      after.close();
    }
  });
});
