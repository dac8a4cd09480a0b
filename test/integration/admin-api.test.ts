import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SERVER, startGateway, waitFor, type TestGateway } from '../helpers/gateway';

const MASK = '********';
const ENV_SECRET = 'env-secret-Qm9vYmFy-7f3a';
const HEADER_SECRET = 'header-secret-WmFwcA-91c2';
const IMPORTED_SECRET = 'imported-secret-cXV4-55aa';
const FIXTURE = { command: process.execPath, args: [TEST_SERVER] };

// The admin API the dashboard uses: servers, import, tools, settings, with secrets masked and sealed.
describe('admin API', () => {
  let gw: TestGateway;
  /** A second gateway: the real Streamable HTTP upstream behind the `remote` server. */
  let upstream: TestGateway;
  let remoteKey = '';

  beforeAll(async () => {
    [gw, upstream] = await Promise.all([startGateway({ supervisor: { backoffBaseMs: 100, backoffMaxMs: 500 } }), startGateway()]);
    await Promise.all([
      gw.addServer({ name: 'fixture', ...FIXTURE, env: { GH_SECRET: ENV_SECRET, PLAIN: 'visible' } }),
      upstream.addServer({ name: 'far', ...FIXTURE }),
    ]);
    remoteKey = (await upstream.api('POST', '/api/keys', { name: 'remote', servers: ['far'] })).body.key;
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.stop();
  });

  const text = async (client: Awaited<ReturnType<TestGateway['connect']>>, name: string, args: Record<string, unknown>) =>
    ((await client.callTool({ name, arguments: args })).content as Array<{ text: string }>)[0].text;
  const serverNames = async () => (await gw.api('GET', '/api/servers')).body.map((server: { name: string }) => server.name).sort();
  const dbBytes = () => {
    const files = ['gatehouse.db', 'gatehouse.db-wal'].map((name) => join(gw.dataDir, name)).filter(existsSync);
    return Buffer.concat(files.map((file) => readFileSync(file)));
  };

  it('creates a stdio server and shows its env masked everywhere', async () => {
    const one = await gw.api('GET', '/api/servers/fixture');
    expect(one.body).toMatchObject({ name: 'fixture', transport: 'stdio', status: 'ready', env: { GH_SECRET: MASK, PLAIN: MASK }, enabled: true, toolTimeoutMs: 60_000 });
    expect(one.body.toolCount).toBeGreaterThan(3);
    const list = await gw.api('GET', '/api/servers');
    expect(list.body).toHaveLength(1);
    for (const answer of [one, list, await gw.api('GET', '/api/status'), await gw.api('GET', '/api/tools')]) {
      expect(JSON.stringify(answer.body)).not.toContain(ENV_SECRET);
    }
  });

  it('refuses invalid servers with 400 and a clear message, changing nothing', async () => {
    const before = (await gw.api('GET', '/api/servers')).body;
    const cases: Array<[unknown, RegExp]> = [
      [{ name: 'bad-name', ...FIXTURE }, /name.*\[A-Za-z0-9_\]/],
      [{ name: 'x'.repeat(33), ...FIXTURE }, /name/],
      [{ name: 'nocmd' }, /needs a command/],
      [{ name: 'nourl', transport: 'http' }, /needs a url/],
      [{ name: 'ftp', url: 'ftp://example.com/mcp' }, /url.*http/],
      [{ name: 'envnum', ...FIXTURE, env: { A: 1 } }, /env/],
      [{ name: 'enveq', ...FIXTURE, env: { 'A=B': 'x' } }, /env/],
      [{ name: 'hdr', url: 'http://127.0.0.1:9/mcp', headers: { 'X-A': 'a\r\nInjected: 1' } }, /headers.*line breaks/],
      [{ name: 'hdrname', url: 'http://127.0.0.1:9/mcp', headers: { 'bad header': 'x' } }, /header names/],
      [{ name: 'timeout', ...FIXTURE, toolTimeoutMs: 5 }, /toolTimeoutMs/],
      [{ name: 'extra', ...FIXTURE, shell: true }, /shell/],
      [null, /body/],
      [['fixture'], /body/],
    ];
    for (const [body, message] of cases) {
      const answer = await gw.api('POST', '/api/servers', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe('bad_request');
      expect(answer.body.error.message, JSON.stringify(body)).toMatch(message);
    }
    const duplicate = await gw.api('POST', '/api/servers', { name: 'fixture', ...FIXTURE });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({ error: { message: expect.stringMatching(/already exists/), code: 'conflict' } });
    const patchBad = await gw.api('PATCH', '/api/servers/fixture', { toolTimeoutMs: 'soon' });
    expect(patchBad.status).toBe(400);
    expect((await gw.api('PATCH', '/api/servers/fixture', { name: 'renamed' })).status).toBe(400);
    expect((await gw.api('PATCH', '/api/servers/fixture', { transport: 'http' })).body.error.message).toMatch(/needs a url/);
    expect((await gw.api('PATCH', '/api/servers/nosuch', { enabled: false })).status).toBe(404);
    expect((await gw.api('GET', '/api/servers')).body).toEqual(before);
  });

  it('adds an http server with its headers masked (another gateway\'s /mcp/far as upstream)', async () => {
    const view = await gw.addServer({ name: 'remote', url: `${upstream.url}/mcp/far`, headers: { Authorization: `Bearer ${remoteKey}`, 'X-Extra': HEADER_SECRET } });
    expect(view).toMatchObject({ transport: 'http', command: null, env: {}, headers: { Authorization: MASK, 'X-Extra': MASK }, status: 'ready' });
    const client = await gw.connect();
    expect(await text(client, 'remote-echo', { text: 'round trip' })).toBe('round trip');
    const all = JSON.stringify([(await gw.api('GET', '/api/servers')).body, (await gw.api('GET', '/api/servers/remote')).body]);
    expect(all).not.toContain(remoteKey);
    expect(all).not.toContain(HEADER_SECRET);
  });

  it('keeps the stored secret when a PATCH sends the mask back', async () => {
    const patched = await gw.api('PATCH', '/api/servers/fixture', { env: { GH_SECRET: MASK, PLAIN: 'changed' }, toolTimeoutMs: 30_000 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ env: { GH_SECRET: MASK, PLAIN: MASK }, toolTimeoutMs: 30_000 });
    expect(JSON.stringify(patched.body)).not.toContain(ENV_SECRET);
    await gw.gatehouse.servers.settled();
    await gw.waitForServer('fixture', (view) => view.status === 'ready');
    const client = await gw.connect();
    expect(await text(client, 'fixture-print_env', { name: 'GH_SECRET' })).toBe(ENV_SECRET);
    expect(await text(client, 'fixture-print_env', { name: 'PLAIN' })).toBe('changed');
    // Headers too: the http server still authenticates with its masked Authorization header.
    await gw.api('PATCH', '/api/servers/remote', { headers: { Authorization: MASK, 'X-Extra': MASK }, toolTimeoutMs: 20_000 });
    await gw.gatehouse.servers.settled();
    await gw.waitForServer('remote', (view) => view.status === 'ready' && view.toolTimeoutMs === 20_000 && view.toolCount > 0);
    expect(await text(client, 'remote-echo', { text: 'still in' })).toBe('still in');
  });

  it('keeps env and header values encrypted at rest, and out of the log', async () => {
    await gw.gatehouse.logs.flush();
    const logs = JSON.stringify((await gw.api('GET', '/api/logs?limit=100')).body);
    expect(logs).toContain('print_env');
    expect(logs).not.toContain(ENV_SECRET);
    const bytes = dbBytes();
    expect(bytes.length).toBeGreaterThan(0);
    if (process.platform !== 'win32') {
      for (const name of ['gatehouse.db', 'gatehouse.db-wal']) expect(statSync(join(gw.dataDir, name)).mode & 0o077, name).toBe(0);
    }
    for (const secret of [ENV_SECRET, HEADER_SECRET, remoteKey, gw.masterKey]) expect(bytes.includes(Buffer.from(secret)), secret.slice(0, 12)).toBe(false);
  });

  it('switches a server between stdio and http when a PATCH sends only a url or only a command', async () => {
    expect((await gw.api('POST', '/api/servers', { name: 'switch', ...FIXTURE, enabled: false })).body).toMatchObject({ transport: 'stdio', status: 'disabled' });
    const toHttp = await gw.api('PATCH', '/api/servers/switch', { url: 'http://127.0.0.1:9/mcp', headers: { 'X-Token': 'abc' } });
    expect(toHttp.body).toMatchObject({ transport: 'http', command: null, args: [], url: 'http://127.0.0.1:9/mcp', headers: { 'X-Token': MASK } });
    expect((await gw.api('PATCH', '/api/servers/switch', { url: 'http://127.0.0.1:9/sse' })).body.transport).toBe('sse');
    const toStdio = await gw.api('PATCH', '/api/servers/switch', { command: 'node', args: ['x.js'] });
    expect(toStdio.body).toMatchObject({ transport: 'stdio', command: 'node', args: ['x.js'], url: null, headers: {} });
    expect((await gw.api('DELETE', '/api/servers/switch')).status).toBe(200);
  });

  it('deletes a server, its tools with it', async () => {
    expect((await gw.api('DELETE', '/api/servers/remote')).body).toEqual({ deleted: 'remote' });
    expect((await gw.api('GET', '/api/servers/remote')).status).toBe(404);
    expect((await gw.api('DELETE', '/api/servers/remote')).status).toBe(404);
    await waitFor(async () => (await gw.api('GET', '/api/tools')).body.every((tool: { server: string }) => tool.server !== 'remote') || undefined, 10_000, 'remote tools gone');
    expect(await serverNames()).toEqual(['fixture']);
  });

  it('imports Cursor / Claude Desktop documents: dry run first, renames reported, unusable entries skipped', async () => {
    const doc = {
      mcpServers: {
        'brave-search': { ...FIXTURE, env: { BRAVE_API_KEY: IMPORTED_SECRET } },
        'no-command': { args: ['x'] },
        'remote-x': { url: 'http://127.0.0.1:9/mcp', headers: { Authorization: `Bearer ${IMPORTED_SECRET}` }, disabled: true },
      },
    };
    const dry = await gw.api('POST', '/api/import?dryRun=true', doc);
    expect(dry.status).toBe(200);
    expect(dry.body.dryRun).toBe(true);
    expect(dry.body.added.map((server: { name: string }) => server.name)).toEqual(['brave_search', 'remote_x']);
    expect(dry.body.renamed).toEqual([{ from: 'brave-search', to: 'brave_search' }, { from: 'remote-x', to: 'remote_x' }]);
    expect(dry.body.skipped).toEqual([{ name: 'no-command', reason: expect.stringMatching(/command/) }]);
    expect(JSON.stringify(dry.body)).not.toContain(IMPORTED_SECRET);
    expect(await serverNames()).toEqual(['fixture']);

    const done = await gw.api('POST', '/api/import', doc);
    expect(done.body).toMatchObject({ dryRun: false, renamed: dry.body.renamed, skipped: dry.body.skipped });
    expect(done.body.added[0].env).toEqual({ BRAVE_API_KEY: MASK });
    expect(await serverNames()).toEqual(['brave_search', 'fixture', 'remote_x']);
    await gw.waitForServer('brave_search', (view) => view.status === 'ready');
    expect((await gw.api('GET', '/api/servers/remote_x')).body).toMatchObject({ status: 'disabled', headers: { Authorization: MASK } });
    const client = await gw.connect();
    expect(await text(client, 'brave_search-print_env', { name: 'BRAVE_API_KEY' })).toBe(IMPORTED_SECRET);

    const again = await gw.api('POST', '/api/import', doc);
    expect(again.body.added).toEqual([]);
    expect(again.body.skipped.map((skip: { name: string }) => skip.name).sort()).toEqual(['brave-search', 'no-command', 'remote-x']);
    expect(dbBytes().includes(Buffer.from(IMPORTED_SECRET))).toBe(false);
  });

  it('imports VS Code documents and refuses documents without servers', async () => {
    const vscode = { servers: { 'vs-code': { type: 'stdio', ...FIXTURE } }, inputs: [] };
    const done = await gw.api('POST', '/api/import', vscode);
    expect(done.body).toMatchObject({ dryRun: false, renamed: [{ from: 'vs-code', to: 'vs_code' }], skipped: [] });
    await gw.waitForServer('vs_code', (view) => view.status === 'ready');
    for (const bad of [{}, { mcpServers: 'x' }, [], null]) {
      const answer = await gw.api('POST', '/api/import', bad);
      expect(answer.status, JSON.stringify(bad)).toBe(400);
      expect(answer.body.error.message).toMatch(/mcpServers/);
    }
    const before = await serverNames();
    await gw.api('POST', '/api/import?dryRun=1', { mcpServers: { fresh: FIXTURE } });
    expect(await serverNames()).toEqual(before);
  });

  it('switches a tool off: gone from tools/list, refused at once, list_changed sent to open sessions', async () => {
    const client = await gw.connect();
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void changed++);
    const sessionId = (client.transport as { sessionId?: string }).sessionId!;
    const sessions = (gw.gatehouse.mcp as unknown as { sessions: Map<string, { stream: { destroyed: boolean } | null }> }).sessions;
    await waitFor(() => (sessions.get(sessionId)?.stream && !sessions.get(sessionId)!.stream!.destroyed) || undefined, 5_000, 'notification stream');
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('fixture-echo');

    const off = await gw.api('PATCH', '/api/tools/fixture-echo', { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ name: 'fixture-echo', server: 'fixture', tool: 'echo', enabled: false });
    await expect(client.callTool({ name: 'fixture-echo', arguments: { text: 'x' } })).rejects.toThrow(/Unknown tool/);
    expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain('fixture-echo');
    await waitFor(() => changed > 0 || undefined, 5_000, 'notifications/tools/list_changed');
    const dashboard = await gw.api('POST', '/api/tools/fixture-echo/call', { arguments: { text: 'x' } });
    expect(dashboard.status).toBe(409);
    expect((await gw.api('GET', '/api/tools')).body.find((tool: { name: string }) => tool.name === 'fixture-echo').enabled).toBe(false);

    const seen = changed;
    expect((await gw.api('PATCH', '/api/tools/fixture-echo', { enabled: true })).body.enabled).toBe(true);
    expect(await text(client, 'fixture-echo', { text: 'back' })).toBe('back');
    await waitFor(() => changed > seen || undefined, 5_000, 'second list_changed');

    expect((await gw.api('PATCH', '/api/tools/fixture-echo', { enabled: 'no' })).status).toBe(400);
    expect((await gw.api('PATCH', '/api/tools/fixture-echo', { approval: 'sometimes' })).status).toBe(400);
    expect((await gw.api('PATCH', '/api/tools/nope-nothing', { enabled: false })).status).toBe(404);
    expect((await gw.api('POST', '/api/tools/fixture-echo/call', null)).status).toBe(400);
    expect((await gw.api('POST', '/api/tools/fixture-echo/call', { arguments: 'text' })).status).toBe(400);
    expect((await gw.api('POST', '/api/tools/fixture-echo/call', { arguments: { text: 'dash' } })).body.content).toEqual([{ type: 'text', text: 'dash' }]);
  });

  it('reads and validates settings', async () => {
    const initial = (await gw.api('GET', '/api/settings')).body;
    expect(initial).toMatchObject({ port: expect.any(Number), host: expect.any(String), logRetentionCount: expect.any(Number), logRetentionDays: expect.any(Number), startAtLogin: false });
    const patched = await gw.api('PATCH', '/api/settings', { logRetentionDays: 7, startAtLogin: true });
    expect(patched.body).toEqual({ ...initial, logRetentionDays: 7, startAtLogin: true });
    for (const bad of [{ port: 70_000 }, { port: '4000' }, { host: '' }, { host: 'bad host/x' }, { logRetentionDays: 0 }, { startAtLogin: 'yes' }, { theme: 'dark' }, null]) {
      const answer = await gw.api('PATCH', '/api/settings', bad);
      expect(answer.status, JSON.stringify(bad)).toBe(400);
      expect(answer.body.error.code).toBe('bad_request');
    }
    expect((await gw.api('PATCH', '/api/settings', { host: 'localhost', port: 4100 })).status).toBe(200);
    expect((await gw.api('GET', '/api/settings')).body).toEqual({ ...initial, logRetentionDays: 7, startAtLogin: true, host: 'localhost', port: 4100 });
  });

  it('reports status and answers unknown routes and methods in the API\'s error shape', async () => {
    const status = (await gw.api('GET', '/api/status')).body;
    expect(status).toMatchObject({ version: expect.any(String), url: gw.url, uptimeMs: expect.any(Number), counts: { servers: 4, ready: 3 } });
    expect(await gw.api('GET', '/api/nothing')).toEqual({ status: 404, body: { error: { message: expect.any(String), code: 'not_found' } } });
    expect((await gw.api('PUT', '/api/servers')).status).toBe(405);
    expect((await gw.api('GET', '/api/servers/%zz')).status).toBe(400);
    expect((await gw.api('GET', '/ui/%zz')).status).toBe(400);
    expect((await gw.api('GET', '/api/logs?before=abc')).status).toBe(400);
    expect((await gw.api('GET', '/api/logs?status=maybe')).status).toBe(400);
    expect((await gw.api('GET', '/api/logs?before=&limit=2')).body).toHaveLength(2);
  });
});
