import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Variables a child inherits from the gateway; everything else comes from the server's own env. */
const INHERITED_ENV_VARS =
  process.platform === 'win32'
    ? ['APPDATA', 'HOMEDRIVE', 'HOMEPATH', 'LOCALAPPDATA', 'PATH', 'PATHEXT', 'PROCESSOR_ARCHITECTURE',
       'SYSTEMDRIVE', 'SYSTEMROOT', 'TEMP', 'TMP', 'USERNAME', 'USERPROFILE', 'PROGRAMFILES', 'COMSPEC']
    : ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'XDG_RUNTIME_DIR',
       'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'NVM_DIR', 'VOLTA_HOME', 'FNM_DIR', 'ASDF_DIR',
       'PNPM_HOME', 'BUN_INSTALL'];

/** How long the login shell may take to print its PATH. */
export const LOGIN_SHELL_TIMEOUT_MS = 3_000;

/** Folders where version managers and Homebrew put `node`, `npx`, `uvx`, whatever the shell says. */
function wellKnownBinDirs(): string[] {
  if (process.platform === 'win32') return [];
  const home = homedir();
  return [
    join(home, '.volta', 'bin'),
    join(home, '.asdf', 'shims'),
    join(home, '.local', 'share', 'fnm', 'aliases', 'default', 'bin'),
    join(home, '.fnm', 'aliases', 'default', 'bin'),
    join(home, '.nvm', 'current', 'bin'),
    join(home, '.local', 'bin'),
    join(home, '.cargo', 'bin'),
    join(home, '.bun', 'bin'),
    '/opt/homebrew/bin',
    '/usr/local/bin',
    '/usr/bin',
    '/bin',
  ];
}

/** Joins PATH lists, keeping the first of each folder. */
export function mergePaths(...lists: Array<string | undefined>): string {
  const seen = new Set<string>();
  for (const list of lists) for (const dir of (list ?? '').split(delimiter)) if (dir) seen.add(dir);
  return [...seen].join(delimiter);
}

/**
 * Asks the user's login shell for its PATH, as a terminal would have it (nvm, fnm, volta, asdf,
 * Homebrew). A GUI app launched from a dock does not inherit it. Never rejects: on any failure
 * the gateway's own PATH is used.
 */
export function resolveLoginPath(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fallback = mergePaths(env.PATH, wellKnownBinDirs().join(delimiter));
  if (process.platform === 'win32' || env.GATEHOUSE_LOGIN_SHELL === '0') return Promise.resolve(fallback);
  const shell = env.SHELL || '/bin/sh';
  const marker = '__GATEHOUSE_PATH__';
  return new Promise((resolve) => {
    execFile(
      shell,
      ['-ilc', `printf '%s' "${marker}$PATH${marker}"`],
      { timeout: LOGIN_SHELL_TIMEOUT_MS, env: { ...env, TERM: 'dumb' }, windowsHide: true },
      (error, stdout) => {
        const match = !error && new RegExp(`${marker}(.*)${marker}`).exec(stdout);
        resolve(match ? mergePaths(match[1], fallback) : fallback);
      },
    ).stdin?.end();
  });
}

/** The environment of a child: the allowlist, the login PATH, then the server's own env. */
export function childEnv(loginPath: string, own: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of INHERITED_ENV_VARS) {
    const value = process.env[key];
    if (value !== undefined && !value.startsWith('()')) env[key] = value;
  }
  env.PATH = loginPath;
  return { ...env, ...own };
}
