import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/gateway';

// One tiny round of the benchmark harness (test/bench, compiled by `npm run build`) against
// Gatehouse, the floor and the bare Node relay (a reference) only: every case runs and reports numbers. The full run is
// `npm run bench` and is not part of `npm test`.
describe('benchmark harness (smoke)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-smoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every case once and reports numbers for each', async () => {
    const json = join(dir, 'bench.json');
    const { code, stdout, stderr } = await runHarness(['--smoke', '--targets', 'floor,node-relay,gatehouse', '--json', json]);
    expect(code, stderr.slice(-3000)).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    const finite = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

    for (const target of ['floor', 'gatehouse']) {
      expect(report.targets[target].unavailable, target).toBeUndefined();
      // a. latency
      const latency = report.latency[target].ok;
      expect(finite(latency.summary.p50) && finite(latency.summary.p99), target).toBe(true);
      // b. throughput at 1, 8 and 32 sessions
      for (const sessions of [1, 8, 32]) expect(finite(report.throughput[target][sessions].ok.rps), `${target} ${sessions}`).toBe(true);
      // c + d. start to ready and tools/list, for each server count of the smoke run
      for (const servers of report.meta.config.serverCounts) {
        const startup = report.startup[target][servers].ok;
        expect([startup.ready.p50, startup.cold.p50, startup.warm.p50].every(finite), `${target} ${servers}`).toBe(true);
      }
    }
    // The bare Node relay (a reference for a and b) relays calls to its child.
    expect(report.targets['node-relay'].unavailable).toBeUndefined();
    expect(finite(report.latency['node-relay'].ok.summary.p50)).toBe(true);
    expect(finite(report.throughput['node-relay'][8].ok.rps)).toBe(true);
    expect(stdout).toContain('| bare Node relay (reference) |');
    // e. memory (the floor has no gateway process)
    const memory = report.memory.gatehouse.ok;
    expect([memory.idle.rss, memory.underLoad.rss, memory.calls.atCheckpoint.rss, memory.calls.atEnd.rss].every(finite)).toBe(true);
    expect(Number.isFinite(memory.abandoned.bytesPerSession)).toBe(true);
    expect(memory.calls.errors).toBe(0);
    // b. CPU per call of the gateway process and of the load generator, from /proc.
    const cpu = report.throughput.gatehouse[8].ok.rounds[0].cpu;
    expect([cpu.targetUsPerCall, cpu.treeUsPerCall, cpu.harnessUsPerCall].every(finite)).toBe(true);
    expect(cpu.treeUsPerCall).toBeGreaterThanOrEqual(cpu.targetUsPerCall);
    // d. Node's own start, the bound of start → ready.
    expect(finite(report.nodeStartMs)).toBe(true);
    // f. /v1/responses against the scripted upstream, plain and streamed, and one /mcp call.
    const v1 = report.v1.ok;
    for (const [name, modes] of Object.entries(v1.timings) as Array<[string, Record<string, { ttfb: { p50: number }; total: { p50: number } }>]>) {
      for (const [mode, timing] of Object.entries(modes)) expect(finite(timing.ttfb.p50) && finite(timing.total.p50), `${name} ${mode}`).toBe(true);
    }
    expect(Object.keys(v1.timings).length).toBeGreaterThanOrEqual(5);
    expect(finite(v1.mcpCall.total.p50)).toBe(true);
    // The goals are computed and the tables printed.
    expect(report.goals.map((goal: { case: string }) => goal.case)).toEqual(expect.arrayContaining(['c', 'd', 'e', 'f']));
    expect(stdout).toContain('| Gatehouse /mcp |');
  }, 90_000);
});

function runHarness(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/test/bench/run.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 80_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
