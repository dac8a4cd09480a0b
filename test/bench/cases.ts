/**
 * The cases. Each measures one thing on one target and returns plain numbers; run.ts decides
 * the order (targets interleaved per round) and report.ts turns them into tables.
 *
 *   a  tools/call latency on one session
 *   b  throughput at 1, 8 and 32 concurrent sessions
 *   c  tools/list over 1, 5 and 10 servers, cold (first on a fresh process) and warm
 *   d  start to ready with 1, 5 and 10 stdio servers
 *   e  resident memory: idle, under load, after abandoned sessions, over many calls
 *   f  /v1/responses overhead against the upstream called directly (in v1.ts)
 */
import { spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type BenchSession, SseSession } from './clients';
import { type LoadResult, runLoad } from './load';
import { cpuOf, memoryOf, sleep, targetEnv } from './processes';
import { median } from './stats';
import type { Running, TargetSpec } from './targets';

/** How much of each case one run does. */
export interface BenchConfig {
  rounds: number;
  /** Calls on one session before the first round. */
  warmupCalls: number;
  /** Seconds of 8-session load before the first round. */
  warmupLoadSeconds: number;
  /** Sequential calls per target per round (a). */
  latencyCalls: number;
  /** Seconds per session count per target per round (b). */
  throughputSeconds: number;
  sessionCounts: number[];
  serverCounts: number[];
  /** Warm tools/list calls after the cold one (c). */
  warmLists: number;
  /** Sessions opened and abandoned (e). */
  abandoned: number;
  /** Calls in the memory case, and where the first measurement is taken (e). */
  calls: number;
  callsCheckpoint: number;
  /** Wait before reading memory at rest (e). */
  settleMs: number;
  /** Time limits of the memory case's calls and abandoned sessions, per target (e). */
  callsMaxSeconds: number;
  abandonMaxSeconds: number;
  /** /v1/responses overhead (f, test/bench/v1.ts): warm-up iterations, timed iterations per round, time limit. */
  v1Warmup: number;
  v1Iterations: number;
  v1MaxSeconds: number;
}

export const FULL: BenchConfig = {
  rounds: 3,
  warmupCalls: 300,
  warmupLoadSeconds: 1,
  latencyCalls: 400,
  throughputSeconds: 2,
  sessionCounts: [1, 8, 32],
  serverCounts: [1, 5, 10],
  warmLists: 30,
  abandoned: 10_000,
  calls: 100_000,
  callsCheckpoint: 10_000,
  settleMs: 2_000,
  callsMaxSeconds: 45,
  abandonMaxSeconds: 30,
  v1Warmup: 200,
  v1Iterations: 600,
  v1MaxSeconds: 60,
};

export const SMOKE: BenchConfig = {
  rounds: 1,
  warmupCalls: 20,
  warmupLoadSeconds: 0.2,
  latencyCalls: 30,
  throughputSeconds: 0.4,
  sessionCounts: [1, 8, 32],
  serverCounts: [1, 2],
  warmLists: 5,
  abandoned: 100,
  calls: 1_000,
  callsCheckpoint: 200,
  settleMs: 200,
  callsMaxSeconds: 10,
  abandonMaxSeconds: 10,
  v1Warmup: 15,
  v1Iterations: 30,
  v1MaxSeconds: 10,
};

const ms = (from: number, to = performance.now()) => to - from;

/** Opens `count` sessions, a few at a time. */
export async function openSessions(running: Running, count: number, agent?: Agent, parallel = 8): Promise<BenchSession[]> {
  const sessions: BenchSession[] = [];
  for (let index = 0; index < count; index += parallel) {
    const batch = Math.min(parallel, count - index);
    sessions.push(...(await Promise.all(Array.from({ length: batch }, () => running.open(agent)))));
  }
  return sessions;
}

export async function closeSessions(sessions: BenchSession[]): Promise<void> {
  await Promise.all(sessions.map((session) => session.close().catch(() => undefined)));
}

/** Before round 1: calls on one session, then a short burst of load. */
export async function warmUp(running: Running, config: BenchConfig): Promise<void> {
  const [session] = await openSessions(running, 1);
  try {
    for (let index = 0; index < config.warmupCalls; index++) await session.request('tools/call', running.callParams(`warm ${index}`));
    await session.request('tools/list');
  } finally {
    await closeSessions([session]);
  }
  const sessions = await openSessions(running, 8);
  try {
    await runLoad(running, sessions, { durationS: config.warmupLoadSeconds });
  } finally {
    await closeSessions(sessions);
  }
}

/** a. Latency of sequential tools/call on one session, in ms. */
export async function latency(running: Running, config: BenchConfig): Promise<number[]> {
  const [session] = await openSessions(running, 1);
  const samples: number[] = [];
  try {
    for (let index = 0; index < config.latencyCalls; index++) {
      const params = running.callParams(`call ${index}`);
      const started = performance.now();
      const result = await session.request('tools/call', params);
      samples.push(ms(started));
      if (result.isError) throw new Error(`echo failed: ${JSON.stringify(result)}`);
    }
  } finally {
    await closeSessions([session]);
  }
  return samples;
}

/** A full GC of the harness, so garbage left by one target's load is not collected during the next one's. */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** b. Calls per second with `sessions` concurrent sessions. */
export async function throughput(running: Running, sessions: number, config: BenchConfig): Promise<LoadResult> {
  const open = await openSessions(running, sessions);
  try {
    // Every target starts from a settled harness (the one before may have run at 30,000 calls/s).
    collectGarbage();
    await sleep(100);
    const before = running.pid ? cpuOf(running.pid) : null;
    const harnessBefore = process.cpuUsage();
    const result = await runLoad(running, open, { durationS: config.throughputSeconds });
    if (result.errors && !result.ok) throw new Error(`every call failed: ${result.firstError}`);
    const harness = process.cpuUsage(harnessBefore);
    const calls = Math.max(1, result.ok);
    result.cpu = {
      harnessUsPerCall: ((harness.user + harness.system) / calls),
      targetUsPerCall: before ? ((cpuOf(running.pid!).own - before.own) * 1000) / calls : null,
      treeUsPerCall: before ? ((cpuOf(running.pid!).tree - before.tree) * 1000) / calls : null,
    };
    return result;
  } finally {
    await closeSessions(open);
  }
}

/**
 * How long Node itself takes to start: spawn → first byte a one-line script writes, median of
 * `count` runs. No gateway written in Node can spawn its first server sooner, so it bounds (d).
 */
export async function nodeStartMs(count: number): Promise<number> {
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    samples.push(
      await new Promise<number>((resolve, reject) => {
        const started = performance.now();
        const child = spawn(process.execPath, ['-e', "process.stdout.write('x')"], { stdio: ['ignore', 'pipe', 'ignore'], env: targetEnv() });
        const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error('node did not start in 10 s'))), 10_000);
        child.stdout.once('data', () => {
          clearTimeout(timer);
          resolve(performance.now() - started);
        });
        child.once('error', reject);
      }),
    );
  }
  return median(samples);
}

export interface StartSample {
  /** Spawn to every server ready, ms (d). */
  ready: number;
  /** Listening to every server ready, ms (Gatehouse only). */
  readyAfterListening: number | null;
  /** First tools/list on a fresh session of the fresh process, ms (c). */
  cold: number;
  /** Median of the following tools/list calls, ms (c). */
  warm: number[];
  tools: number;
}

/** c + d. Starts `spec` in front of `servers` servers, times ready, one cold and some warm lists. */
export async function startAndList(spec: TargetSpec, servers: number, config: BenchConfig): Promise<StartSample> {
  const running = await spec.start(servers);
  try {
    const ready = ms(running.spawnedAt, running.readyAt);
    const readyAfterListening = running.listeningAt === null ? null : ms(running.listeningAt, running.readyAt);
    const [session] = await openSessions(running, 1);
    try {
      let started = performance.now();
      const tools = await running.listTools(session);
      const cold = ms(started);
      if (tools !== servers) throw new Error(`expected ${servers} tools, listed ${tools}`);
      const warm: number[] = [];
      for (let index = 0; index < config.warmLists; index++) {
        started = performance.now();
        await running.listTools(session);
        warm.push(ms(started));
      }
      return { ready, readyAfterListening, cold, warm, tools };
    } finally {
      await closeSessions([session]);
    }
  } finally {
    await running.stop();
  }
}

export interface MemorySample {
  idle: { rss: number; treeRss: number };
  /** Highest RSS seen while the calls ran. */
  underLoad: { rss: number; treeRss: number };
  calls: {
    checkpoint: number;
    total: number;
    atCheckpoint: { rss: number; treeRss: number };
    /** Halfway through the calls: growth after it is growth past the runtime's warm-up. */
    atHalf: { rss: number; treeRss: number };
    /** Calls answered when `atHalf` was read. */
    half: number;
    atEnd: { rss: number; treeRss: number };
    rps: number;
    errors: number;
  };
  /** `count` sessions were opened of `asked` (fewer when the time limit ran out). */
  abandoned: { asked: number; count: number; seconds: number; before: { rss: number; treeRss: number }; after: { rss: number; treeRss: number }; bytesPerSession: number };
}

/** e. Memory of a fresh process: idle, under load, over `calls` calls, after abandoned sessions. */
export async function memory(spec: TargetSpec, config: BenchConfig): Promise<MemorySample> {
  const running = await spec.start(1);
  const pid = running.pid;
  if (pid === null) throw new Error('no gateway process to measure');
  try {
    await sleep(config.settleMs);
    const idle = memoryOf(pid);
    const underLoad = { ...idle };
    const sample = () => {
      const now = memoryOf(pid);
      underLoad.rss = Math.max(underLoad.rss, now.rss);
      underLoad.treeRss = Math.max(underLoad.treeRss, now.treeRss);
    };
    const sessions = await openSessions(running, 8);
    let first: LoadResult;
    let middle: LoadResult;
    let rest: LoadResult;
    let atCheckpoint: { rss: number; treeRss: number };
    let atHalf: { rss: number; treeRss: number };
    const half = Math.max(config.callsCheckpoint, Math.floor(config.calls / 2));
    try {
      first = await runLoad(running, sessions, { amount: config.callsCheckpoint, maxSeconds: config.callsMaxSeconds, onSample: sample });
      await sleep(config.settleMs);
      atCheckpoint = memoryOf(pid);
      middle =
        half > config.callsCheckpoint
          ? await runLoad(running, sessions, { amount: half - config.callsCheckpoint, maxSeconds: config.callsMaxSeconds, onSample: sample })
          : { ...first, ok: 0, errors: 0, seconds: 0 };
      await sleep(config.settleMs);
      atHalf = memoryOf(pid);
      rest = await runLoad(running, sessions, { amount: config.calls - half, maxSeconds: config.callsMaxSeconds, onSample: sample });
    } finally {
      await closeSessions(sessions);
    }
    await sleep(config.settleMs);
    const atEnd = memoryOf(pid);
    const errors = first.errors + middle.errors + rest.errors;
    if (errors > (config.calls * 0.01)) throw new Error(`${errors} of ${config.calls} calls failed: ${first.firstError ?? middle.firstError ?? rest.firstError}`);

    const asked = Math.min(config.abandoned, spec.abandonCap ?? Infinity);
    const before = memoryOf(pid);
    const abandonStarted = performance.now();
    const count = await abandonSessions(running, asked, abandonStarted + config.abandonMaxSeconds * 1000);
    const seconds = ms(abandonStarted) / 1000;
    await sleep(config.settleMs);
    const after = memoryOf(pid);
    return {
      idle,
      underLoad,
      calls: {
        checkpoint: config.callsCheckpoint,
        total: first.ok + middle.ok + rest.ok,
        atCheckpoint,
        atHalf,
        half: first.ok + middle.ok,
        atEnd,
        rps: (first.ok + middle.ok + rest.ok) / (first.seconds + middle.seconds + rest.seconds),
        errors,
      },
      abandoned: { asked, count, seconds, before, after, bytesPerSession: (after.treeRss - before.treeRss) / Math.max(1, count) },
    };
  } finally {
    await running.stop();
  }
}

/**
 * Opens `count` sessions and walks away: initialize + initialized, never DELETE. HTTP sessions
 * share 16 keep-alive sockets; an SSE session lives on its own stream, so abandoning it means
 * dropping that stream. Stops at `deadline`; resolves with the number opened.
 */
async function abandonSessions(running: Running, count: number, deadline: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  let opened = 0;
  try {
    while (opened < count && performance.now() < deadline) {
      const batch = await Promise.all(Array.from({ length: Math.min(16, count - opened) }, () => running.open(agent)));
      opened += batch.length;
      for (const session of batch) if (session instanceof SseSession) await session.close();
    }
  } finally {
    agent.destroy();
  }
  return opened;
}
