import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SERVER, startGateway, waitFor, type TestGateway } from '../helpers/gateway';
import { alive, markerEvents as events } from '../helpers/processes';

// Supervision of real stdio children: restart after a crash, crash loops, timeouts and
// cancellation reaching the upstream, lifecycle through the admin API, the child's environment.
const SUPERVISOR = { backoffBaseMs: 100, backoffMaxMs: 400, maxFailures: 3 };
const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-supervision-'));
let markers = 0;

/** A fresh marker file the fixture appends its events to. */
const newMarker = () => join(tmp, `marker-${++markers}.log`);
const startedPids = (marker: string) => events(marker).filter((e) => e.startsWith('started ')).map((e) => Number(e.split(' ')[1]));
const fixture = (name: string, marker: string, extra: Record<string, unknown> = {}) => ({
  name,
  command: process.execPath,
  args: [TEST_SERVER, '--marker', marker],
  ...extra,
});

const gone = (pid: number, what = `process ${pid} gone`) => waitFor(() => !alive(pid) || undefined, 10_000, what);

/** Runs `call` and returns its error (fails if it succeeds) and how long it took. */
async function failure(call: () => Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  const error = await call().then(
    (result) => new Error(`expected a failure, got ${JSON.stringify(result)}`),
    (caught: Error) => caught,
  );
  expect(error.message).not.toMatch(/expected a failure/);
  return { error, ms: Date.now() - started };
}

describe('supervision', () => {
  let gw: TestGateway;
  const secret = 'gateway-only-secret-value';
  const proxyBefore = process.env.HTTPS_PROXY;

  beforeAll(async () => {
    process.env.GATEHOUSE_TEST_SECRET = secret;
    process.env.HTTPS_PROXY = 'http://proxy.test.invalid:3128';
    gw = await startGateway({ supervisor: SUPERVISOR });
    await gw.addServer(fixture('steady', newMarker()));
  });
  afterAll(async () => {
    delete process.env.GATEHOUSE_TEST_SECRET;
    if (proxyBefore === undefined) delete process.env.HTTPS_PROXY;
    else process.env.HTTPS_PROXY = proxyBefore;
    await gw?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('restarts a server that crashed; the call in flight fails at once and the tools come back', async () => {
    const marker = newMarker();
    await gw.addServer(fixture('crashy', marker, { toolTimeoutMs: 30_000 }));
    const [firstPid] = startedPids(marker);
    const client = await gw.connect();
    const { error, ms } = await failure(() => client.callTool({ name: 'crashy-crash', arguments: {} }));
    expect(error.message).toMatch(/stopped during the call/);
    expect(ms).toBeLessThan(5_000);
    await gone(firstPid);
    const view = await gw.waitForServer('crashy', (v) => v.status === 'ready' && startedPids(marker).length === 2);
    expect(view.toolCount).toBeGreaterThan(0);
    expect(startedPids(marker)[1]).not.toBe(firstPid);
    const result = await waitFor(
      () => client.callTool({ name: 'crashy-echo', arguments: { text: 'back' } }).catch(() => undefined),
      10_000,
      'echo after the restart',
    );
    expect(result.content).toEqual([{ type: 'text', text: 'back' }]);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('crashy-slow');
  });

  it('ends a crash loop in error with the last stderr lines; neither it nor a hung server holds up the others', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-crashloop-'));
    const first = await startGateway({ dataDir, supervisor: SUPERVISOR });
    expect((await first.api('POST', '/api/servers', { name: 'broken', command: process.execPath, args: [TEST_SERVER, '--fail-start'] })).status).toBe(201);
    // Never answers the handshake (but leaves when its stdin closes).
    const hang = { name: 'hang', command: process.execPath, args: ['-e', "process.stdin.resume().on('end', () => process.exit(0))"] };
    expect((await first.api('POST', '/api/servers', hang)).status).toBe(201);
    await first.addServer(fixture('good', newMarker()));
    const broken = await first.waitForServer('broken', (v) => v.status === 'error');
    expect(broken.error).toMatch(/gave up after 3 attempts/);
    expect(broken.stderr).toContain('fatal: missing configuration TOKEN (this server always fails to start)');
    expect((await first.api('GET', '/api/servers/good')).body.status).toBe('ready');
    await first.gatehouse.stop();

    // The same configuration at startup: the gateway listens at once and the good server starts.
    const second = await startGateway({ dataDir, supervisor: SUPERVISOR });
    try {
      expect((await fetch(`${second.url}/health`)).status).toBe(200);
      await second.waitForServer('good', (v) => v.status === 'ready');
      expect((await second.api('GET', '/api/servers/hang')).body.status).toBe('starting');
      const again = await second.waitForServer('broken', (v) => v.status === 'error');
      expect(again.stderr.join('\n')).toMatch(/fatal: missing configuration TOKEN/);
      const tools = (await (await second.connect()).listTools()).tools.map((t) => t.name);
      expect(tools).toContain('good-echo');
    } finally {
      await second.stop();
    }
  });

  it('reports a command or folder that does not exist, with what to do, without retrying', async () => {
    await gw.api('POST', '/api/servers', { name: 'missing', command: 'gatehouse-no-such-command' });
    const view = await gw.waitForServer('missing', (v) => v.status === 'error');
    expect(view.error).toBe('command not found: gatehouse-no-such-command. Install it or give its full path.');
    const cwd = join(tmp, 'no-such-dir');
    await gw.api('POST', '/api/servers', { name: 'nowhere', command: process.execPath, args: [TEST_SERVER], cwd });
    const nowhere = await gw.waitForServer('nowhere', (v) => v.status === 'error');
    expect(nowhere.error).toBe(`working directory not found: ${cwd}. Create it or change cwd.`);
    expect((await gw.api('GET', '/api/servers/steady')).body.status).toBe('ready');
  });

  it('keeps the last stderr lines of a noisy server that died, the very last one included', async () => {
    // sh, not node: node drops what is still buffered for a pipe when it calls process.exit.
    const script = 'i=0; while [ $i -lt 3000 ]; do echo "noise $i" >&2; i=$((i+1)); done; echo "fatal: last words" >&2; exit 3';
    await gw.api('POST', '/api/servers', { name: 'noisy', command: '/bin/sh', args: ['-c', script] });
    const view = await gw.waitForServer('noisy', (v) => v.status === 'error');
    expect(view.stderr.length).toBeLessThanOrEqual(20);
    expect(view.stderr.slice(-2)).toEqual(['fatal: last words', '[process exited with code 3]']);
    expect(view.stderr[0]).toMatch(/^noise \d+$/);
  });

  it('shows a log line a server wrote to stdout with its stderr lines, and keeps serving it', async () => {
    const created = await gw.api('POST', '/api/servers', { name: 'chatty', command: process.execPath, args: [TEST_SERVER, '--stdout-noise'] });
    expect(created.status).toBe(201);
    const ready = await waitFor(async () => {
      const view = (await gw.api('GET', '/api/servers/chatty')).body;
      return view.status === 'ready' ? view : undefined;
    }, 20_000, 'chatty ready');
    expect(ready.stderr.join('\n')).toContain('[stdout, not JSON-RPC; servers must log to stderr] Server starting on stdio...');
    const called = await gw.api('POST', '/api/tools/chatty-echo/call', { arguments: { text: 'still works' } });
    expect(called.body.content[0].text).toBe('still works');
    await gw.api('DELETE', '/api/servers/chatty');
  });

  it('times a slow call out quickly and cancels it upstream', async () => {
    const marker = newMarker();
    await gw.addServer(fixture('timeouts', marker, { toolTimeoutMs: 300 }));
    const client = await gw.connect();
    const { error, ms } = await failure(() => client.callTool({ name: 'timeouts-slow', arguments: { ms: 5_000 } }));
    expect(error.message).toMatch(/timed out/);
    expect(ms).toBeLessThan(2_000);
    await waitFor(() => events(marker).includes('slow-cancelled') || undefined, 5_000, 'slow-cancelled upstream');
  });

  it('passes a client cancellation upstream', async () => {
    const marker = newMarker();
    await gw.addServer(fixture('cancels', marker));
    const client = await gw.connect();
    const controller = new AbortController();
    const call = failure(() => client.callTool({ name: 'cancels-slow', arguments: { ms: 5_000 } }, undefined, { signal: controller.signal }));
    await waitFor(() => events(marker).includes('slow-start') || undefined, 5_000, 'slow-start');
    setTimeout(() => controller.abort(), 200);
    const { ms } = await call;
    expect(ms).toBeLessThan(2_000);
    await waitFor(() => events(marker).includes('slow-cancelled') || undefined, 5_000, 'slow-cancelled upstream');
  });

  it('cancels the upstream call when the client disconnects mid-call', async () => {
    const marker = newMarker();
    await gw.addServer(fixture('leaver', marker));
    const client = await gw.connect();
    const call = client.callTool({ name: 'leaver-slow', arguments: { ms: 10_000 } }).catch((error: Error) => error);
    await waitFor(() => events(marker).includes('slow-start') || undefined, 5_000, 'slow-start');
    await client.transport!.close();
    await waitFor(() => events(marker).includes('slow-cancelled') || undefined, 5_000, 'slow-cancelled upstream');
    await call;
  });

  it('restarts on request and on a changed config, and stops on delete and disable', async () => {
    const marker = newMarker();
    await gw.addServer(fixture('cycled', marker));
    const [pid1] = startedPids(marker);

    expect((await gw.api('POST', '/api/servers/cycled/restart')).status).toBe(200);
    await gw.waitForServer('cycled', (v) => v.status === 'ready' && startedPids(marker).length === 2);
    const pid2 = startedPids(marker)[1];
    expect(pid2).not.toBe(pid1);
    expect(alive(pid1)).toBe(false);
    expect(events(marker).some((e) => e === 'stdin-closed' || e === 'sigterm')).toBe(true);

    const patched = await gw.api('PATCH', '/api/servers/cycled', { args: [TEST_SERVER, '--marker', marker, '--changed'] });
    expect(patched.status).toBe(200);
    await gw.waitForServer('cycled', (v) => v.status === 'ready' && startedPids(marker).length === 3);
    const pid3 = startedPids(marker)[2];
    await gone(pid2);

    expect((await gw.api('PATCH', '/api/servers/cycled', { enabled: false })).status).toBe(200);
    await gw.waitForServer('cycled', (v) => v.status === 'disabled');
    await gone(pid3);
    expect((await (await gw.connect()).listTools()).tools.map((t) => t.name)).not.toContain('cycled-echo');

    expect((await gw.api('PATCH', '/api/servers/cycled', { enabled: true })).status).toBe(200);
    await gw.waitForServer('cycled', (v) => v.status === 'ready' && startedPids(marker).length === 4);
    const pid4 = startedPids(marker)[3];
    expect((await gw.api('DELETE', '/api/servers/cycled')).status).toBe(200);
    await gone(pid4);
    expect((await gw.api('GET', '/api/servers/cycled')).status).toBe(404);
  });

  it('gives the child the allowlisted environment (with the proxy settings) plus its own env, not the gateway secrets', async () => {
    await gw.addServer(fixture('envy', newMarker(), { env: { OWN_SETTING: 'own-value' } }));
    const client = await gw.connect();
    const env = async (name: string) => {
      const result = await client.callTool({ name: 'envy-print_env', arguments: { name } });
      return (result.content as Array<{ text: string }>)[0].text;
    };
    expect(process.env.GATEHOUSE_TEST_SECRET).toBe(secret);
    expect(await env('GATEHOUSE_TEST_SECRET')).toBe('(unset)');
    expect(await env('OWN_SETTING')).toBe('own-value');
    expect(await env('HOME')).toBe(process.env.HOME);
    expect(await env('PATH')).toContain('/usr/bin');
    expect(await env('HTTPS_PROXY')).toBe('http://proxy.test.invalid:3128');
  });
});
