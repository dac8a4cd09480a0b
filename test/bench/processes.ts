/**
 * Child processes for the harness: free ports on 127.0.0.1, starting a process and waiting for
 * a line, stopping it (and its process group), resident memory of a process or its tree, and
 * bounded polling. Every wait has a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Every process group this harness started and has not stopped yet; killed if the harness exits. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of live) killGroup(child, 'SIGKILL');
    process.exit(130);
  });
}

export { freePort } from '../helpers/processes';

/**
 * Variables of the harness's environment that no target is started with.
 * NODE_EXTRA_CA_CERTS (which this build machine sets to the system's CA bundle) makes every
 * Node process parse the bundle before it runs a line: ~45 ms of a ~100 ms start here. The
 * floor's stdio children never see it (the SDK passes them an allowlisted environment), so a
 * gateway started with it would be charged, in (d), for costs the children it is compared with
 * do not pay: at its own start, and (Gatehouse passes certificate settings on to its servers) at
 * each child's. A desktop user's machine seldom sets it. `GATEHOUSE_BENCH_KEEP_ENV=1` starts the
 * targets with the harness's whole environment.
 */
export const ENV_NOT_PASSED = ['NODE_EXTRA_CA_CERTS'];

/** The environment every target (and the Node-start probe) is started with, plus `extra`. */
export function targetEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (process.env.GATEHOUSE_BENCH_KEEP_ENV !== '1') for (const name of ENV_NOT_PASSED) delete env[name];
  return { ...env, ...extra };
}

export interface Started {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output: () => string;
  /** performance.now() when it was spawned. */
  spawnedAt: number;
}

/**
 * Spawns `command` in its own process group and resolves once `ready` matches its output (or at
 * once when `ready` is null). Output is kept only up to 64 KB.
 */
export function startProcess(
  command: string,
  args: string[],
  ready: RegExp | null,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<Started> {
  const spawnedAt = performance.now();
  const child = spawn(command, args, {
    env: targetEnv(options.env),
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  const started: Started = { child, output: () => output, spawnedAt };
  // GATEHOUSE_BENCH_OUTPUT_DIR keeps each target's whole output, e.g. what --trace-gc-nvp prints:
  // appended as it comes (nothing is lost when the harness exits), one file per process.
  const file = outputFile(args, child.pid);
  const onData = (chunk: Buffer) => {
    if (output.length < 65_536) output += chunk.toString();
    if (file) appendFileSync(file, chunk);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  if (!ready) return Promise.resolve(started);
  return waitForOutput(started, ready, options.timeoutMs ?? 30_000, `${command} ${args.join(' ')}`).then(
    () => started,
    (error: Error) => {
      killGroup(child, 'SIGKILL');
      throw error;
    },
  );
}

/**
 * Where GATEHOUSE_BENCH_OUTPUT_DIR keeps a process's output, or null: named after the script it
 * runs (the first argument that is no Node option nor a preload), e.g.
 * `bin_gatehouse.js-1234.log`, `test_bench_relay-server.js-1235.log`, `ab-base_bin_gatehouse.js-1236.log`.
 */
function outputFile(args: string[], pid: number | undefined): string | null {
  const dir = process.env.GATEHOUSE_BENCH_OUTPUT_DIR;
  if (!dir) return null;
  mkdirSync(dir, { recursive: true });
  const script = args.find((arg, index) => !arg.startsWith('-') && !['-r', '--require', '--import'].includes(args[index - 1] ?? '')) ?? 'process';
  const name = relative(process.cwd(), script).split(/[\\/]/).filter((part) => part && part !== '..').slice(-3).join('_');
  return join(dir, `${name}-${pid}.log`);
}

/**
 * Resolves the moment `pattern` appears in the output of `started` (checked on every chunk, so
 * no polling delay), with the match; rejects if the process exits first or after `timeoutMs`.
 */
export function waitForOutput(started: Started, pattern: RegExp, timeoutMs: number, what = 'the process'): Promise<RegExpExecArray> {
  const { child } = started;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what} did not print ${pattern} in ${timeoutMs} ms: ${started.output().slice(-2000)}`));
    }, timeoutMs);
    const check = () => {
      const match = pattern.exec(started.output());
      if (match) {
        cleanup();
        resolve(match);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${what} exited with ${code}: ${started.output().slice(-2000)}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.stderr!.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when the process has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await Promise.race([exited, sleep(graceMs + 2_000)]);
    clearTimeout(timer);
  }
  // Children of the group that outlived their parent.
  killGroup(child, 'SIGKILL');
  live.delete(child);
}

/** Resident set size of one process in bytes (0 when it is gone). */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every descendant of `pid` (from /proc), not including `pid`. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(entry));
      parents.set(ppid, list);
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  const queue = [pid];
  for (let guard = 0; queue.length && guard < 100_000; guard++) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** CPU time (user + system) a process has used, in ms (0 when it is gone). */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of /proc/PID/stat (utime, stime), in clock ticks of 10 ms on Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** CPU ms used so far by a process and by its tree (children alive now). */
export function cpuOf(pid: number): { own: number; tree: number } {
  const own = cpuMsOf(pid);
  return { own, tree: own + descendants(pid).reduce((sum, child) => sum + cpuMsOf(child), 0) };
}

/** RSS of a process and of its whole tree, in bytes. */
export function memoryOf(pid: number): { rss: number; treeRss: number } {
  const rss = rssOf(pid);
  return { rss, treeRss: rss + descendants(pid).reduce((sum, child) => sum + rssOf(child), 0) };
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined; bounded. */
export async function poll<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string, intervalMs = 5): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  while (performance.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
