import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A tiny `sh` watchdog, in its own process group, that learns each child's process group and
 * kills them all when its stdin closes, that is when the gateway dies, even by SIGKILL. Node
 * has no PR_SET_PDEATHSIG, and `npx`/`uvx` leave grandchildren that would outlive us.
 * `kill -SIG -PGID` without `--`: dash (Debian's /bin/sh) takes `--` for a process id and fails.
 */
const WATCHDOG_SCRIPT = `
groups=""
while IFS= read -r line; do
  case "$line" in
    +*) groups="$groups \${line#+}" ;;
    -*) kept=""; for g in $groups; do [ "$g" = "\${line#-}" ] || kept="$kept $g"; done; groups=$kept ;;
  esac
done
[ -z "$groups" ] && exit 0
for g in $groups; do kill -TERM "-$g" 2>/dev/null; done
sleep 2
for g in $groups; do kill -KILL "-$g" 2>/dev/null; done
`;

/**
 * Keeps the watchdog informed; a no-op where there are no process groups (Windows). The watchdog
 * starts with the first child it is told of, not before: spawning costs the gateway ~5–10 ms of
 * blocked main thread on a busy machine, which at start-up would delay the first server, and a
 * gateway with no stdio servers needs no watchdog at all.
 */
export class OrphanGuard {
  private watchdog: ChildProcess | null = null;
  private started = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  /** A new child process group to kill if the gateway dies. */
  add(pgid: number): void {
    this.start();
    this.watchdog?.stdin?.write(`+${pgid}\n`);
  }

  /** A group that was stopped cleanly. */
  remove(pgid: number): void {
    this.watchdog?.stdin?.write(`-${pgid}\n`);
  }

  /** Ends the watchdog after a clean shutdown (it then has nothing left to kill). */
  close(): void {
    this.started = true;
    this.watchdog?.stdin?.end();
    this.watchdog = null;
  }

  private start(): void {
    if (this.started || process.platform === 'win32') return;
    this.started = true;
    try {
      this.watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
      this.watchdog.on('error', (error) => ((this.watchdog = null), this.onError(error)));
      this.watchdog.stdin?.on('error', () => undefined);
      this.watchdog.unref();
      (this.watchdog.stdin as unknown as { unref?: () => void })?.unref?.();
    } catch (error) {
      this.onError(error);
    }
  }
}
