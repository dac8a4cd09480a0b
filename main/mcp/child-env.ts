import { spawn, type ChildProcess } from 'node:child_process';
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
 * Homebrew). A GUI app launched from a dock does not inherit it. Never rejects and never takes
 * longer than `timeoutMs`: on any failure the gateway's own PATH is used. The shell runs in its
 * own process group, killed on timeout (an interactive shell ignores SIGTERM, and what a profile
 * starts in the background would keep the pipe open).
 */
export function resolveLoginPath(env: NodeJS.ProcessEnv = process.env, timeoutMs = LOGIN_SHELL_TIMEOUT_MS): Promise<string> {
  const fallback = mergePaths(env.PATH, wellKnownBinDirs().join(delimiter));
  if (process.platform === 'win32' || env.GATEHOUSE_LOGIN_SHELL === '0') return Promise.resolve(fallback);
  const shell = env.SHELL || '/bin/sh';
  const marker = '__GATEHOUSE_PATH__';
  // `${PATH}` in braces: `$PATH__GATEHOUSE…` would name another (unset) variable.
  const script = `printf '%s' "${marker}\${PATH}${marker}"`;
  const pattern = new RegExp(`${marker}(.*?)${marker}`);
  return new Promise((resolve) => {
    let stdout = '';
    let settled = false;
    let child: ChildProcess | undefined;
    const finish = (path: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child?.stdout?.destroy();
      resolve(path);
    };
    const timer = setTimeout(() => {
      try {
        if (child?.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      finish(fallback);
    }, timeoutMs);
    try {
      child = spawn(shell, ['-ilc', script], {
        env: { ...env, TERM: 'dumb' },
        stdio: ['ignore', 'pipe', 'ignore'],
        detached: true,
        windowsHide: true,
      });
    } catch {
      return finish(fallback);
    }
    child.unref();
    child.on('error', () => finish(fallback));
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = pattern.exec(stdout);
      if (match) finish(mergePaths(match[1], fallback));
    });
    // 'close', not 'exit': the last output is read by then.
    child.on('close', () => finish(fallback));
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
