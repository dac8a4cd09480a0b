import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MASTER_KEY_FILE = 'master.key';

/**
 * The master key: `GATEHOUSE_MASTER_KEY` if set, else the one kept in the data dir (mode
 * 0600), generated on first run. `created` says whether it is new.
 */
export function loadMasterKey(dataDir: string, fromEnv?: string): { key: string; created: boolean; source: 'env' | 'file' } {
  if (fromEnv && fromEnv.trim()) return { key: fromEnv.trim(), created: false, source: 'env' };
  const path = join(dataDir, MASTER_KEY_FILE);
  if (existsSync(path)) {
    const key = readFileSync(path, 'utf8').trim();
    if (key) {
      if (process.platform !== 'win32') chmodSync(path, 0o600);
      return { key, created: false, source: 'file' };
    }
  }
  const key = `sk-gatehouse-master-${randomBytes(24).toString('base64url')}`;
  writeFileSync(path, key + '\n', { mode: 0o600 });
  return { key, created: true, source: 'file' };
}
