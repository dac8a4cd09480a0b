import { homedir } from 'node:os';
import { join } from 'node:path';

/** The OS's per-user app-data folder for Gatehouse (what Electron's userData would be). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GATEHOUSE_DATA_DIR) return env.GATEHOUSE_DATA_DIR;
  if (process.platform === 'win32') return join(env.APPDATA || join(homedir(), 'AppData', 'Roaming'), 'Gatehouse');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Gatehouse');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'Gatehouse');
}
