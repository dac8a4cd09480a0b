import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * How a child reaches the network the way the user's other programs do: the proxy settings and
 * the extra CA certificates (a TLS-inspecting corporate proxy). Not secrets of Gatehouse's, and
 * without them a server's own HTTPS calls fail behind such a proxy while its handshake works.
 */
const NETWORK_ENV_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'];
/** The proxy variables, which tools read in either case (curl and Python prefer lower case). */
const PROXY_ENV_VARS = new Set(['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY']);

/**
 * The network variables a child inherits, by name: on Windows, where names ignore case, once;
 * elsewhere with the proxies in lower case too. A GUI app launched from a dock has none of
 * them, so they are also asked of the login shell (see LoginPath).
 */
const NETWORK_NAMES =
  process.platform === 'win32' ? NETWORK_ENV_VARS : [...NETWORK_ENV_VARS, ...[...PROXY_ENV_VARS].map((name) => name.toLowerCase())];

/**
 * Whether `env` already has the network variable `name` (set, even to an empty value, which
 * turns a proxy off); a proxy counts in either case, as the tools reading it do.
 */
function hasNetworkVar(env: NodeJS.ProcessEnv, name: string): boolean {
  if (env[name] !== undefined) return true;
  return PROXY_ENV_VARS.has(name.toUpperCase()) && (env[name.toUpperCase()] !== undefined || env[name.toLowerCase()] !== undefined);
}

/** Variables a child inherits from the gateway; everything else comes from the server's own env. */
const INHERITED_ENV_VARS =
  process.platform === 'win32'
    ? ['APPDATA', 'HOMEDRIVE', 'HOMEPATH', 'LOCALAPPDATA', 'PATH', 'PATHEXT', 'PROCESSOR_ARCHITECTURE',
       'SYSTEMDRIVE', 'SYSTEMROOT', 'TEMP', 'TMP', 'USERNAME', 'USERPROFILE', 'PROGRAMFILES', 'COMSPEC', ...NETWORK_NAMES]
    : ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'XDG_RUNTIME_DIR',
       'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'NVM_DIR', 'VOLTA_HOME', 'FNM_DIR', 'ASDF_DIR',
       'PNPM_HOME', 'BUN_INSTALL', ...NETWORK_NAMES];

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

/** The gateway's own PATH and the well-known folders: what a child gets without a login shell. */
function ownPath(env: NodeJS.ProcessEnv): string {
  return mergePaths(env.PATH, wellKnownBinDirs().join(delimiter));
}

/** Whether the login shell is asked at all (not on Windows, not with GATEHOUSE_LOGIN_SHELL=0). */
function usesLoginShell(env: NodeJS.ProcessEnv): boolean {
  return process.platform !== 'win32' && env.GATEHOUSE_LOGIN_SHELL !== '0';
}

/**
 * The PATH the shell starts from: the system's folders only, so that its answer is what the
 * profile makes of a clean start (what a dock launch needs), not the PATH of whatever terminal,
 * npm script or virtualenv launched Gatehouse this time. That PATH still comes after the
 * answer (see ownPath) for this run, but is not remembered for the next.
 */
const SHELL_START_PATH = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'].join(delimiter);

/** What the login shell said: its PATH, and the network variables it sets (non-empty ones). */
interface ShellAnswer {
  path: string;
  network: Record<string, string>;
}

/**
 * Asks the user's login shell for its PATH, as a terminal would have it (nvm, fnm, volta, asdf,
 * Homebrew), and for the proxy and certificate variables its profile sets. A GUI app launched
 * from a dock inherits neither. Never rejects and never takes longer than `timeoutMs` (LoginPath
 * then falls back to the gateway's own PATH). The shell runs in its own process group, killed on
 * timeout (an interactive shell ignores SIGTERM, and what a profile starts in the background
 * would keep the pipe open).
 *
 * Resolves with the answer, or null when it is not asked, fails, takes too long or `signal`
 * aborts (the shell's process group is then killed).
 */
function askLoginShell(env: NodeJS.ProcessEnv, timeoutMs: number, signal?: AbortSignal): Promise<ShellAnswer | null> {
  if (!usesLoginShell(env) || signal?.aborted) return Promise.resolve(null);
  const shell = env.SHELL || '/bin/sh';
  // Plain commands that sh, bash, zsh and fish all read alike (fish has its own variable
  // syntax, so the login shell itself expands nothing): two markers, and between them /bin/sh,
  // which inherits what the profile exported, prints each variable as RS NAME=value NUL, so a
  // value spanning lines cannot pass for another variable. The markers keep what the profile
  // prints out of the answer.
  const begin = '__GATEHOUSE_ENV__';
  const end = '__GATEHOUSE_END__';
  const pairs = ['PATH', ...NETWORK_NAMES].map((name) => `${name} "\${${name}-}"`).join(' ');
  const script = `echo ${begin}; /bin/sh -c 'printf "\\036%s=%s\\0" ${pairs}'; echo ${end}`;
  const pattern = new RegExp(`${begin}\\r?\\n([^]*?)${end}`);
  return new Promise((resolve) => {
    let stdout = '';
    let settled = false;
    let child: ChildProcess | undefined;
    const finish = (answer: ShellAnswer | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      child?.stdout?.destroy();
      resolve(answer);
    };
    const stop = () => {
      try {
        if (child?.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      finish(null);
    };
    const timer = setTimeout(stop, timeoutMs);
    signal?.addEventListener('abort', stop, { once: true });
    try {
      // Without the gateway's own network variables: the answer is what the profile sets.
      const start: NodeJS.ProcessEnv = { ...env, TERM: 'dumb', PATH: SHELL_START_PATH };
      for (const name of NETWORK_NAMES) delete start[name];
      child = spawn(shell, ['-ilc', script], {
        env: start,
        stdio: ['ignore', 'pipe', 'ignore'],
        detached: true,
        windowsHide: true,
      });
    } catch {
      return finish(null);
    }
    child.unref();
    child.on('error', () => finish(null));
    // One decoder for the stream: a character split between two chunks stays whole.
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      const match = pattern.exec(stdout);
      if (match) finish(parseAnswer(match[1]));
    });
    // 'close', not 'exit': the last output is read by then.
    child.on('close', () => finish(null));
  });
}

/**
 * The PATH and the network variables (non-empty ones) from the RS NAME=value NUL entries the
 * script printed; null without a PATH.
 */
function parseAnswer(text: string): ShellAnswer | null {
  let path: string | null = null;
  const network: Record<string, string> = {};
  for (const entry of text.split('\0')) {
    const start = entry.indexOf('\x1e');
    if (start < 0) continue;
    const pair = entry.slice(start + 1);
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at);
    const value = pair.slice(at + 1);
    if (name === 'PATH') path = value;
    else if (value && NETWORK_NAMES.includes(name)) network[name] = value;
  }
  return path ? { path, network } : null;
}

/** Whether `command` is found on `path` (a command given as a path needs no PATH). */
export function foundOnPath(command: string, path: string): boolean {
  if (command.includes('/') || command.includes('\\')) return true;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** How long after start a remembered login PATH is checked against the shell again. */
export const LOGIN_PATH_RECHECK_MS = 10_000;

/**
 * The PATH for stdio children. A login shell can take a second to start (nvm, pyenv, oh-my-zsh
 * profiles), and every server would wait for it on every start of Gatehouse. So the PATH the
 * shell last gave is remembered (`saved`) and used at once for a command found on it (on it
 * alone: a system copy of `npx` or `node` elsewhere must not hide that the remembered folder is
 * gone), while the shell is asked again in the background, later (`recheckMs`), when the
 * servers have booted; a changed answer is remembered and used from then on (a server started
 * on the old one keeps it until it restarts). A command the remembered PATH does not find waits
 * for the shell, as does everything on the first start.
 *
 * The shell's proxy and certificate variables (`network`) are for children too, where the
 * gateway's own environment lacks them (a dock launch). Their values may hold a proxy login, so
 * only their names are remembered (`savedNetwork`): while the gateway's environment lacks one of
 * those, every command waits for the shell, so no server starts without the proxy it needs.
 */
export class LoginPath {
  private readonly env: NodeJS.ProcessEnv;
  private readonly own: string;
  /** The saved shell PATH with the own PATH after it; null when nothing is saved. */
  private readonly remembered: string | null;
  private current: string | null = null;
  private asking: Promise<string> | null = null;
  /** The network variables of the shell's last answer. */
  private network: Record<string, string> = {};
  /** Remembered network variables the gateway's environment lacks: the shell must be waited for. */
  private readonly missingNetwork: string[];
  /** The shell is asked again once, not in a loop, when it did not answer (see retryForNetwork). */
  private retried = false;
  private recheck: NodeJS.Timeout | undefined;
  private readonly closing = new AbortController();

  constructor(
    private readonly options: {
      saved: string | null;
      save: (path: string) => void;
      /** Names of the network variables the shell set last time (remembered; never values). */
      savedNetwork?: string[];
      saveNetwork?: (names: string[]) => void;
      /** Told (names only) when servers start without the proxy settings the profile sets. */
      warn?: (message: string) => void;
      env?: NodeJS.ProcessEnv;
      timeoutMs?: number;
      recheckMs?: number;
    },
  ) {
    this.env = options.env ?? process.env;
    this.own = ownPath(this.env);
    if (!usesLoginShell(this.env)) this.current = this.own;
    this.remembered = options.saved === null ? null : mergePaths(options.saved, this.own);
    this.missingNetwork = (options.savedNetwork ?? []).filter((name) => !hasNetworkVar(this.env, name));
  }

  /** The login shell's network variables, for childEnv (empty until the shell has answered). */
  get networkEnv(): Record<string, string> {
    return this.network;
  }

  /** The PATH to start `command` with. */
  forCommand(command: string): Promise<string> {
    if (this.current !== null) return Promise.resolve(this.current);
    if (this.remembered !== null && !this.missingNetwork.length && foundOnPath(command, this.options.saved!)) {
      if (!this.asking && !this.recheck) {
        this.recheck = setTimeout(() => void this.ask(), this.options.recheckMs ?? LOGIN_PATH_RECHECK_MS);
        this.recheck.unref();
      }
      return Promise.resolve(this.remembered);
    }
    return this.ask();
  }

  /** On shutdown: no re-check from now on, a shell still being asked is killed, nothing saved. */
  close(): void {
    clearTimeout(this.recheck);
    this.closing.abort();
  }

  /**
   * The shell did not answer while servers needed its proxy settings: they start without them
   * (a warning says so) and the shell is asked once more later, for the servers started after.
   */
  private retryForNetwork(): void {
    if (this.retried) return;
    this.retried = true;
    this.options.warn?.(
      `the login shell did not answer in time; servers start without ${this.missingNetwork.join(', ')} from your shell profile ` +
        `(set them in the server's env, or launch Gatehouse from a terminal that has them); asking the shell again shortly`,
    );
    clearTimeout(this.recheck);
    this.recheck = setTimeout(() => {
      this.asking = null;
      void this.ask();
    }, this.options.recheckMs ?? LOGIN_PATH_RECHECK_MS);
    this.recheck.unref();
  }

  private ask(): Promise<string> {
    clearTimeout(this.recheck);
    this.asking ??= askLoginShell(this.env, this.options.timeoutMs ?? LOGIN_SHELL_TIMEOUT_MS, this.closing.signal).then((answer) => {
      if (answer === null) {
        if (this.missingNetwork.length && !this.closing.signal.aborted) this.retryForNetwork();
        return (this.current = this.remembered ?? this.own);
      }
      this.network = answer.network;
      const names = Object.keys(answer.network).sort();
      if (!this.closing.signal.aborted) {
        try {
          if (answer.path !== this.options.saved) this.options.save(answer.path);
          if (names.join() !== [...(this.options.savedNetwork ?? [])].sort().join()) this.options.saveNetwork?.(names);
        } catch {
          // remembering is an optimisation: the PATH is right for this run either way
        }
      }
      return (this.current = mergePaths(answer.path, this.own));
    });
    return this.asking;
  }
}

/**
 * The environment of a child: the allowlist, the login shell's network variables the gateway
 * lacks, the login PATH, then the server's own env.
 */
export function childEnv(loginPath: string, own: Record<string, string>, loginNetwork: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of INHERITED_ENV_VARS) {
    const value = process.env[key];
    if (value !== undefined && !value.startsWith('()')) env[key] = value;
  }
  for (const [name, value] of Object.entries(loginNetwork)) {
    if (NETWORK_NAMES.includes(name) && !hasNetworkVar(process.env, name)) env[name] = value;
  }
  env.PATH = loginPath;
  // A proxy the server's own env sets, in either case, replaces the inherited one in both.
  for (const name of Object.keys(own)) {
    if (!PROXY_ENV_VARS.has(name.toUpperCase())) continue;
    delete env[name.toUpperCase()];
    delete env[name.toLowerCase()];
  }
  return { ...env, ...own };
}
