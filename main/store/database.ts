import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations';

/** File name of the one SQLite database in the data dir. */
export const DB_FILE_NAME = 'gatehouse.db';

/** Thrown when the database was written by a newer Gatehouse. */
export class DatabaseTooNewError extends Error {}

/**
 * Opens (creating if needed) the database in the data dir, sets the pragmas DESIGN.md asks
 * for and runs pending migrations, each in its own transaction.
 */
export function openDatabase(dataDir: string, nativeBinding?: string): Database.Database {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, DB_FILE_NAME);
  const db = new Database(path, nativeBinding ? { nativeBinding } : {});
  // Tool logs and key hashes are for this user only; SQLite gives -wal and -shm the same mode.
  if (process.platform !== 'win32') chmodSync(path, 0o600);
  db.pragma('journal_mode = WAL');
  // Config, keys and secrets must survive a power cut once acknowledged.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // better-sqlite3 builds SQLite with a 16 MB page cache; the tool log alone would fill it
  // (RSS +16 MB over the first ~100,000 calls). The hot rows (keys, servers, settings) are a
  // few pages and the OS caches the file anyway, so SQLite's own 2 MB default is plenty.
  db.pragma('cache_size = -2000');
  migrate(db);
  return db;
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    db.close();
    throw new DatabaseTooNewError(
      `gatehouse.db is at schema version ${current}, but this Gatehouse knows only ${MIGRATIONS.length}. ` +
        'Update Gatehouse, or point --data-dir at another folder.',
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
