/**
 * `npm run bench`: every target in front of the same stdio echo server, measured in one run,
 * targets interleaved within each round, after a warm-up. Prints markdown tables and writes
 * JSON (test-output/bench.json unless --json says otherwise).
 *
 *   node dist/test/bench/run.js [--rounds N] [--smoke] [--json FILE] [--only a,b,c,d,e,f] [--targets floor,gatehouse,...]
 *
 * f (/v1/responses overhead, v1.ts) measures Gatehouse only: it runs when `gatehouse` is a target.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FULL, SMOKE, type BenchConfig, latency, memory, nodeStartMs, startAndList, throughput, warmUp, type StartSample } from './cases';
import { type BenchReport, computeGoals, type Outcome, renderTables, summarizeStarts } from './report';
import { median, summarize } from './stats';
import { ROOT, type Running, TARGET_NAMES, TARGETS, type TargetName } from './targets';
import { v1Overhead } from './v1';

const CASES = ['a', 'b', 'c', 'd', 'e', 'f'] as const;
type CaseName = (typeof CASES)[number];

const USAGE = `Usage: node dist/test/bench/run.js [--rounds N] [--smoke] [--json FILE] [--only a,b,c,d,e,f] [--targets ${TARGET_NAMES.join(',')}[,candidate]]`;

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];

async function attempt<T>(what: string, work: () => Promise<T>): Promise<{ ok: T } | { error: string }> {
  try {
    return { ok: await work() };
  } catch (error) {
    log(`${what} failed: ${errorText(error)}`);
    return { error: errorText(error) };
  }
}

/** `items` rotated by `by`: each round starts with another target. */
const rotate = <T>(items: T[], by: number) => items.map((_, index) => items[(index + by) % items.length]);

export async function runBench(argv: string[]): Promise<BenchReport> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      json: { type: 'string' },
      only: { type: 'string' },
      targets: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const config: BenchConfig = { ...(values.smoke ? SMOKE : FULL) };
  if (values.rounds !== undefined) {
    const rounds = Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error('--rounds must be a whole number from 1 to 50');
    config.rounds = rounds;
  }
  const only = new Set((values.only ?? CASES.join(',')).split(',').map((name) => name.trim()).filter(Boolean));
  for (const name of only) if (!CASES.includes(name as CaseName)) throw new Error(`--only takes ${CASES.join(',')}, not ${name}`);
  const names = (values.targets ?? TARGET_NAMES.join(',')).split(',').map((name) => name.trim()) as TargetName[];
  for (const name of names) if (!(name in TARGETS)) throw new Error(`unknown target ${name}; known: ${Object.keys(TARGETS).join(', ')}`);
  const jsonPath = resolve(values.json ?? join(ROOT, 'test-output', 'bench.json'));

  const startedAt = performance.now();
  const report: BenchReport = {
    meta: {
      date: new Date().toISOString(),
      command: `node dist/test/bench/run.js ${argv.join(' ')}`.trim(),
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      loadAverageStart: loadavg(),
      loadAverageEnd: [],
      seconds: 0,
      mode: values.smoke ? 'smoke' : 'full',
      config: { ...config, only: [...only], targets: names },
    },
    targets: {},
    latency: {},
    throughput: {},
    startup: {},
    memory: {},
    goals: [],
  };
  for (const name of names) report.targets[name] = { label: TARGETS[name].label, transport: TARGETS[name].transport };

  // Written after every phase, so an interrupted run still leaves what it measured.
  const save = () => {
    report.goals = computeGoals(report);
    report.meta.loadAverageEnd = loadavg();
    report.meta.seconds = Math.round((performance.now() - startedAt) / 100) / 10;
    mkdirSync(dirname(jsonPath), { recursive: true });
    writeFileSync(jsonPath, JSON.stringify(report, null, 2));
  };
  try {
    if (only.has('a') || only.has('b')) await runCallCases(report, names, config, only);
    save();
    if (only.has('c') || only.has('d')) await runStartCases(report, names, config);
    save();
    if (only.has('e')) await runMemoryCase(report, names, config, save);
    save();
    if (only.has('f')) {
      if (names.includes('gatehouse')) {
        log('f gatehouse');
        report.v1 = await attempt('f', () => v1Overhead(config, log));
      } else {
        report.v1 = { skipped: 'measures Gatehouse only; add gatehouse to --targets' };
      }
    }
  } finally {
    for (const name of names) TARGETS[name].cleanup?.();
  }
  save();
  process.stdout.write(`${renderTables(report)}\n`);
  process.stdout.write(
    `Machine: ${report.meta.cores} × ${report.meta.cpu}, ${report.meta.memoryGiB} GiB, Node ${report.meta.node}; load average ${report.meta.loadAverageStart.map((value) => value.toFixed(2)).join(' ')} → ${report.meta.loadAverageEnd.map((value) => value.toFixed(2)).join(' ')}\n`,
  );
  process.stdout.write(`${report.meta.mode} run, ${config.rounds} round(s), ${report.meta.seconds} s; JSON: ${jsonPath}\n`);
  return report;
}

/** a and b: every target started once, warmed up, then measured round after round, interleaved. */
async function runCallCases(report: BenchReport, names: TargetName[], config: BenchConfig, only: Set<string>): Promise<void> {
  const running = new Map<TargetName, Running>();
  try {
    for (const name of names) {
      log(`starting ${name}`);
      try {
        const target = await TARGETS[name].start(1);
        running.set(name, target);
        await warmUp(target, config);
      } catch (error) {
        report.targets[name]!.unavailable = `could not run here: ${errorText(error)}`;
        log(`${name} unavailable: ${errorText(error)}`);
        await running.get(name)?.stop();
        running.delete(name);
      }
    }
    const live = names.filter((name) => running.has(name));
    const latencySamples = new Map<TargetName, number[][]>();
    const throughputRounds = new Map<string, Outcome<import('./load').LoadResult>[]>();
    for (let round = 0; round < config.rounds; round++) {
      const order = rotate(live, round);
      if (only.has('a')) {
        for (const name of order) {
          log(`round ${round + 1}: a ${name}`);
          const outcome = await attempt(`a ${name}`, () => latency(running.get(name)!, config));
          const list = latencySamples.get(name) ?? [];
          if ('ok' in outcome) list.push(outcome.ok);
          else report.latency[name] = outcome;
          latencySamples.set(name, list);
        }
      }
      if (only.has('b')) {
        for (const sessions of config.sessionCounts) {
          for (const name of order) {
            log(`round ${round + 1}: b ${name} × ${sessions}`);
            const outcome = await attempt(`b ${name} ${sessions}`, () => throughput(running.get(name)!, sessions, config));
            const key = `${name}\u0000${sessions}`;
            throughputRounds.set(key, [...(throughputRounds.get(key) ?? []), outcome]);
          }
        }
      }
    }
    for (const [name, rounds] of latencySamples) {
      if (!rounds.length) continue;
      report.latency[name] = { ok: { summary: summarize(rounds.flat()), perRoundP50: rounds.map((samples) => median(samples)) } };
    }
    for (const [key, outcomes] of throughputRounds) {
      const [name, sessions] = key.split('\u0000') as [TargetName, string];
      const ok = outcomes.flatMap((outcome) => ('ok' in outcome ? [outcome.ok] : []));
      const failed = outcomes.find((outcome) => 'error' in outcome);
      (report.throughput[name] ??= {})[Number(sessions)] = ok.length
        ? { ok: { rps: median(ok.map((result) => result.rps)), rounds: ok } }
        : (failed ?? { error: 'no result' });
    }
  } finally {
    await Promise.all([...running.values()].map((target) => target.stop().catch(() => undefined)));
  }
}

/** c and d: a fresh process per target, server count and round, interleaved. */
async function runStartCases(report: BenchReport, names: TargetName[], config: BenchConfig): Promise<void> {
  const nodeStart = await attempt('node start', () => nodeStartMs(config.rounds * 5));
  if ('ok' in nodeStart) report.nodeStartMs = nodeStart.ok;
  const samples = new Map<string, StartSample[]>();
  const failures = new Map<string, string>();
  const live = names.filter((name) => !report.targets[name]!.unavailable && !TARGETS[name].referenceOnly);
  for (const name of live) {
    for (const count of config.serverCounts) {
      if (count > TARGETS[name].maxServers) {
        (report.startup[name] ??= {})[count] = { skipped: 'fronts one server only' };
        continue;
      }
      const prepared = await attempt(`prepare ${name} ${count}`, async () => TARGETS[name].prepare?.(count));
      if ('error' in prepared) failures.set(`${name}\u0000${count}`, prepared.error);
    }
  }
  for (let round = 0; round < config.rounds; round++) {
    for (const count of config.serverCounts) {
      for (const name of rotate(live, round)) {
        const key = `${name}\u0000${count}`;
        if (count > TARGETS[name].maxServers || failures.has(key)) continue;
        log(`round ${round + 1}: c+d ${name} × ${count} servers`);
        const outcome = await attempt(`c+d ${name} ${count}`, () => startAndList(TARGETS[name], count, config));
        if ('ok' in outcome) samples.set(key, [...(samples.get(key) ?? []), outcome.ok]);
        else failures.set(key, outcome.error);
      }
    }
  }
  for (const name of live) {
    for (const count of config.serverCounts) {
      const key = `${name}\u0000${count}`;
      const list = samples.get(key);
      if (list?.length) (report.startup[name] ??= {})[count] = { ok: summarizeStarts(list) };
      else if (failures.has(key)) (report.startup[name] ??= {})[count] = { error: failures.get(key)! };
    }
  }
}

/** e: one fresh process per target (the floor has no gateway process to measure). */
async function runMemoryCase(report: BenchReport, names: TargetName[], config: BenchConfig, save: () => void): Promise<void> {
  for (const name of names) {
    if (report.targets[name]!.unavailable || TARGETS[name].referenceOnly) continue;
    if (name === 'floor') {
      report.memory.floor = { skipped: 'no gateway process' };
      continue;
    }
    log(`e ${name}`);
    report.memory[name] = await attempt(`e ${name}`, () => memory(TARGETS[name], config));
    save();
  }
}

if (require.main === module) {
  runBench(process.argv.slice(2)).then(
    // Exit once stdout has drained (a pipe is written asynchronously); open sockets and timers do not matter any more.
    () => process.stdout.write('', () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
