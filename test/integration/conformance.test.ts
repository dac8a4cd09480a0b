import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startGateway, type TestGateway } from '../helpers/gateway';
import { startProcess, stopProcess } from '../helpers/processes';

const run = promisify(execFile);
const CONFORMANCE = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const KEY_PRELOAD = join(ROOT, 'test/fixtures/gateway-key-preload.cjs');
const FIXTURE = join(ROOT, 'dist/test/fixtures/conformance-server.js');
const EXPECTED: Record<string, string> = JSON.parse(readFileSync(join(ROOT, 'test/conformance/expected-failures.json'), 'utf8')).failures;

/** Runs the conformance suite's server scenarios against `url`; returns scenario → passed. */
async function conformance(url: string, args: string[], key?: string): Promise<Map<string, boolean>> {
  const { stdout } = await run(process.execPath, [...(key ? ['-r', KEY_PRELOAD] : []), CONFORMANCE, 'server', '--url', url, ...args], {
    env: { ...process.env, GATEHOUSE_TEST_KEY: key ?? '' },
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const results = new Map<string, boolean>();
  for (const match of stdout.matchAll(/^([✓✗]) ([\w-]+): (\d+) passed, (\d+) failed/gm)) results.set(match[2], match[1] === '✓' && match[4] === '0');
  for (const match of stdout.matchAll(/^Passed: (\d+)\/(\d+), (\d+) failed/gm)) results.set(args[args.indexOf('--scenario') + 1], match[3] === '0');
  return results;
}

// The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.13), run against a
// fixture upstream directly and through the gateway at /mcp/<fixture>.
describe('MCP conformance through the gateway', () => {
  let gw: TestGateway;
  let direct: Awaited<ReturnType<typeof startProcess>>;
  let directUrl: string;

  beforeAll(async () => {
    direct = await startProcess(process.execPath, [FIXTURE, '--http', '0'], /fixture listening on (http:\S+)/);
    directUrl = /fixture listening on (http:\S+)/.exec(direct.output())![1];
    gw = await startGateway();
    await gw.addServer({ name: 'fixture', command: process.execPath, args: [FIXTURE] });
  });
  afterAll(async () => {
    await gw.stop();
    await stopProcess(direct.child);
  });

  it('passes every scenario the fixture passes directly, but the listed expected failures', async () => {
    const [alone, through] = await Promise.all([
      conformance(directUrl, ['--suite', 'all']),
      conformance(`${gw.url}/mcp/fixture`, ['--suite', 'all'], gw.masterKey),
    ]);
    expect(alone.size).toBeGreaterThanOrEqual(30);
    const passedAlone = [...alone].filter(([, passed]) => passed).map(([name]) => name);
    const regressions = passedAlone.filter((name) => !through.get(name) && !(name in EXPECTED));
    expect(regressions).toEqual([]);
    const stale = Object.keys(EXPECTED).filter((name) => through.get(name));
    expect(stale, 'expected failures that now pass: remove them from test/conformance/expected-failures.json').toEqual([]);
  });

  it('passes dns-rebinding-protection on /mcp', async () => {
    const results = await conformance(`${gw.url}/mcp`, ['--scenario', 'dns-rebinding-protection'], gw.masterKey);
    expect(results.get('dns-rebinding-protection')).toBe(true);
  });
});
