import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, TEST_SERVER, waitFor } from '../helpers/gateway';
import { alive, markerEvents as events } from '../helpers/processes';

// The real `gatehouse serve` process: no child, grandchild or half-written config survives it,
// whether it is stopped with SIGTERM or killed with SIGKILL.
interface Cli {
  child: ChildProcess;
  url: string;
  key: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it has printed on stdout so far. */
  stdout(): string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup.splice(0).reverse()) step();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts `node bin/gatehouse.js serve --port 0 --data-dir DIR` and reads its URL and master key. */
async function startCli(dataDir: string): Promise<Cli> {
  const env: NodeJS.ProcessEnv = { ...process.env, GATEHOUSE_LOGIN_SHELL: '0' };
  delete env.GATEHOUSE_MASTER_KEY;
  const child = spawn(process.execPath, [join(ROOT, 'bin/gatehouse.js'), 'serve', '--port', '0', '--data-dir', dataDir], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.resume();
  const ready = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`gatehouse serve failed: exited with ${child.exitCode}: ${stdout}`);
      const url = /Gatehouse listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      const key = /Master key[^:\n]*: (\S+)/.exec(stdout)?.[1];
      return url && key ? { url, key } : undefined;
    },
    20_000,
    'the ready line and the master key',
  );
  const api: Cli['api'] = async (method, path, body) => {
    const response = await fetch(ready.url + path, {
      method,
      headers: { authorization: `Bearer ${ready.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  return { child, ...ready, exited, api, stdout: () => stdout };
}

const startedPid = (marker: string) => Number(events(marker).find((e) => e.startsWith('started '))?.split(' ')[1]);

/** Waits (bounded) until none of `pids` runs; then names any survivor. */
async function allGone(pids: number[], timeoutMs: number): Promise<void> {
  await waitFor(() => pids.every((pid) => !alive(pid)) || undefined, timeoutMs).catch(() => undefined);
  expect(pids.filter(alive), 'processes still running').toEqual([]);
}

/** Two fixture servers, one with a grandchild; returns every pid and the marker files. */
async function startFamily(cli: Cli, dir: string) {
  const markers = [join(dir, 'one.log'), join(dir, 'two.log')];
  for (const [index, marker] of markers.entries()) {
    const created = await cli.api('POST', '/api/servers', { name: `fx${index}`, command: process.execPath, args: [TEST_SERVER, '--marker', marker] });
    expect(created.status).toBe(201);
  }
  for (const index of markers.keys()) {
    await waitFor(async () => (await cli.api('GET', `/api/servers/fx${index}`)).body.status === 'ready' || undefined, 20_000, `fx${index} ready`);
  }
  const called = await cli.api('POST', '/api/tools/fx0-spawn_grandchild/call', { arguments: {} });
  expect(called.status).toBe(200);
  const grandchild = Number(called.body.content[0].text);
  const pids = [...markers.map(startedPid), grandchild];
  cleanup.push(() => pids.forEach((pid) => alive(pid) && process.kill(pid, 'SIGKILL')));
  expect(pids.every((pid) => pid > 0 && alive(pid))).toBe(true);
  expect(events(markers[0])).toContain(`grandchild ${grandchild}`);
  return { pids, markers };
}

describe('gatehouse serve shutdown', () => {
  it('SIGTERM stops every child and grandchild with the stop ladder and exits 0', async () => {
    const dir = tempDir('gatehouse-sigterm-');
    const cli = await startCli(join(dir, 'data'));
    const { pids, markers } = await startFamily(cli, dir);
    cli.child.kill('SIGTERM');
    const exit = await Promise.race([cli.exited, new Promise((resolve) => setTimeout(resolve, 15_000, 'still running'))]);
    expect(exit).toEqual({ code: 0, signal: null });
    await allGone(pids, 3_000);
    for (const marker of markers) expect(events(marker).some((e) => e === 'stdin-closed' || e === 'sigterm')).toBe(true);
  });

  it('SIGKILL of the gateway leaves no child or grandchild behind (orphan guard)', async () => {
    const dir = tempDir('gatehouse-sigkill-');
    const cli = await startCli(join(dir, 'data'));
    const { pids } = await startFamily(cli, dir);
    cli.child.kill('SIGKILL');
    expect((await cli.exited).signal).toBe('SIGKILL');
    await allGone(pids, 5_000);
  });

  it('kill -9 during config writes loses no acknowledged server and leaves the database intact', async () => {
    const dataDir = join(tempDir('gatehouse-crashwrite-'), 'data');
    const cli = await startCli(dataDir);
    const acknowledged: string[] = [];
    let next = 0;
    // Four writers at once; the kill lands right after the 40th acknowledgement, others in flight.
    const writer = async () => {
      while (next < 1_000 && cli.child.exitCode === null && cli.child.signalCode === null) {
        const name = `srv_${next++}`;
        const status = await cli
          .api('POST', '/api/servers', { name, command: process.execPath, args: [TEST_SERVER], enabled: false, env: { TOKEN: `secret-${name}` } })
          .then((response) => response.status, () => 0);
        if (status === 201) acknowledged.push(name);
        if (acknowledged.length === 40) cli.child.kill('SIGKILL');
      }
    };
    await Promise.all([writer(), writer(), writer(), writer()]);
    expect((await cli.exited).signal).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(40);

    const db = new Database(join(dataDir, 'gatehouse.db'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }

    const again = await startCli(dataDir);
    const { status, body } = await again.api('GET', '/api/servers');
    expect(status).toBe(200);
    const names = new Set((body as Array<{ name: string }>).map((server) => server.name));
    expect(acknowledged.filter((name) => !names.has(name))).toEqual([]);
    const one = (body as Array<{ name: string; env: Record<string, string> }>).find((server) => server.name === acknowledged[0])!;
    expect(one.env.TOKEN).toBeDefined();
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  });
});

describe('gatehouse serve start-up', () => {
  it('says once the servers have started how many are ready, and names each that failed with its error', async () => {
    const dataDir = join(tempDir('gatehouse-settled-'), 'data');
    const first = await startCli(dataDir);
    // A first run has nothing to start: it says where to add a server.
    await waitFor(() => first.stdout().includes('No MCP servers yet') || undefined, 10_000, 'the no-servers line');
    expect(first.stdout()).toContain(`No MCP servers yet: add one in the dashboard (${first.url}/ui/) or with POST /api/servers.`);
    expect((await first.api('POST', '/api/servers', { name: 'fx', command: process.execPath, args: [TEST_SERVER] })).status).toBe(201);
    expect((await first.api('POST', '/api/servers', { name: 'broken', command: process.execPath, args: [TEST_SERVER, '--fail-start'] })).status).toBe(201);
    expect((await first.api('POST', '/api/servers', { name: 'off', command: process.execPath, args: [TEST_SERVER], enabled: false })).status).toBe(201);
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);

    const second = await startCli(dataDir);
    const line = await waitFor(() => /^Servers: .*$/m.exec(second.stdout())?.[0], 20_000, 'the servers line');
    expect(line).toMatch(/^Servers: 1 of 2 ready \d+\.\d\d s after start; 1 disabled$/);
    await waitFor(() => second.stdout().includes('in GET /api/servers') || undefined, 5_000, 'the lines after it');
    const after = second.stdout().slice(second.stdout().indexOf(line));
    // It says so at the first failure, not after the crash loop has given up (seconds later).
    expect(after).toMatch(/^  broken: failed: \S.*; retrying in [\d.]+ s$/m);
    expect(after).not.toMatch(/^  fx:/m);
    expect(after).toContain(`Their last stderr lines are in the dashboard (${second.url}/ui/) and in GET /api/servers.`);
    // What it printed is what the admin API says.
    const { body } = await second.api('GET', '/api/servers/fx');
    expect(body.status).toBe('ready');
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('a port in use: it says so, exits 1 and spawns no server; on a free port the stored servers start', async () => {
    const dir = tempDir('gatehouse-port-');
    const dataDir = join(dir, 'data');
    const marker = join(dir, 'fx.log');
    const first = await startCli(dataDir);
    expect((await first.api('POST', '/api/servers', { name: 'fx', command: process.execPath, args: [TEST_SERVER, '--marker', marker] })).status).toBe(201);
    await waitFor(async () => (await first.api('GET', '/api/servers/fx')).body.status === 'ready' || undefined, 20_000, 'fx ready');
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    rmSync(marker, { force: true });

    // Something else holds the port.
    const { createServer } = await import('node:net');
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => holder.close());
    const port = (holder.address() as { port: number }).port;
    const env: NodeJS.ProcessEnv = { ...process.env, GATEHOUSE_LOGIN_SHELL: '0' };
    const second = spawn(process.execPath, [join(ROOT, 'bin/gatehouse.js'), 'serve', '--port', String(port), '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.push(() => second.exitCode === null && second.kill('SIGKILL'));
    let stderr = '';
    second.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    second.stdout!.resume();
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain(`${port} is in use`);
    // The port is checked before any server is spawned: the fixture never started.
    expect(events(marker)).toEqual([]);

    const third = await startCli(dataDir);
    await waitFor(async () => (await third.api('GET', '/api/servers/fx')).body.status === 'ready' || undefined, 20_000, 'fx ready after restart');
    expect(startedPid(marker)).toBeGreaterThan(0);
    third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
  });
});
