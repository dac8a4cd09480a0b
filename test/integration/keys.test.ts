import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SERVER, startGateway, type TestGateway } from '../helpers/gateway';

// Master and virtual keys: header forms, limits, expiry, revocation, storage as a hash only.
describe('keys', () => {
  let gw: TestGateway;
  const made: string[] = [];

  beforeAll(async () => {
    gw = await startGateway();
    await Promise.all([
      gw.addServer({ name: 'alpha', command: process.execPath, args: [TEST_SERVER] }),
      gw.addServer({ name: 'beta', command: process.execPath, args: [TEST_SERVER] }),
    ]);
  });
  afterAll(() => gw.stop());

  const makeKey = async (input: Record<string, unknown>) => {
    const created = await gw.api('POST', '/api/keys', input);
    expect(created.status).toBe(201);
    made.push(created.body.key);
    return created.body as { id: string; key: string };
  };

  const initialize = (headers: Record<string, string>, path = '/mcp') =>
    fetch(gw.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });

  const status = (path: string, headers: Record<string, string>) => fetch(gw.url + path, { headers }).then((res) => res.status);
  const names = async (client: Awaited<ReturnType<TestGateway['connect']>>) => (await client.listTools()).tools.map((tool) => tool.name).sort();

  it('accepts every header form real clients send', async () => {
    const { key } = await makeKey({ name: 'forms' });
    const forms = (k: string): Array<Record<string, string>> => [
      { authorization: `Bearer ${k}` },
      { authorization: `bearer ${k}` },
      { authorization: `BEARER  ${k}` },
      { authorization: `"Bearer ${k}"` },
      { authorization: `Bearer "${k}"` },
      { 'x-litellm-api-key': `Bearer ${k}` },
      { 'x-litellm-api-key': k },
      { 'x-litellm-api-key': `"${k}"` },
    ];
    for (const headers of forms(gw.masterKey)) expect(await status('/api/status', headers), JSON.stringify(Object.keys(headers))).toBe(200);
    for (const headers of forms(key)) {
      const answer = await initialize(headers);
      expect(answer.status, JSON.stringify(headers)).toBe(200);
      expect(answer.headers.get('mcp-session-id')).toBeTruthy();
    }
    // The SDK client with x-litellm-api-key only.
    const client = await gw.connect(key, '', { authorization: '', 'x-litellm-api-key': key });
    expect((await names(client)).length).toBeGreaterThan(0);
  });

  it('answers 401 without a key or with a wrong one, on /mcp and /api', async () => {
    const cases: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer sk-gh-not-a-real-key' },
      { authorization: 'Bearer' },
      { authorization: `Basic ${Buffer.from(`u:${gw.masterKey}`).toString('base64')}` },
      { 'x-litellm-api-key': 'wrong' },
      { authorization: `Bearer ${gw.masterKey}x` },
    ];
    for (const headers of cases) {
      const mcp = await initialize(headers);
      expect(mcp.status, JSON.stringify(headers)).toBe(401);
      expect(await mcp.json()).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number), message: expect.any(String) } });
      const api = await fetch(`${gw.url}/api/servers`, { headers });
      expect(api.status, JSON.stringify(headers)).toBe(401);
      expect(await api.json()).toEqual({ error: { message: expect.any(String), code: 'unauthorized' } });
    }
  });

  it('limits a key to its servers: other tools are invisible and refused', async () => {
    const { key } = await makeKey({ name: 'alpha-only', servers: ['alpha'] });
    const client = await gw.connect(key);
    const visible = await names(client);
    expect(visible).toContain('alpha-echo');
    expect(visible.every((name) => name.startsWith('alpha-'))).toBe(true);
    const echoed = await client.callTool({ name: 'alpha-echo', arguments: { text: 'hi' } });
    expect(echoed.content).toEqual([{ type: 'text', text: 'hi' }]);
    await expect(client.callTool({ name: 'beta-echo', arguments: { text: 'sneak' } })).rejects.toThrow(/Unknown tool/);
    // Neither the path nor x-mcp-servers widens the key.
    expect((await initialize({ authorization: `Bearer ${key}` }, '/mcp/beta')).status).toBe(403);
    expect((await initialize({ authorization: `Bearer ${key}` }, '/mcp/alpha,beta')).status).toBe(403);
    const narrowed = await gw.connect(key, '', { 'x-mcp-servers': 'beta' });
    expect(await names(narrowed)).toEqual([]);
    const single = await gw.connect(key, '/alpha');
    expect(await names(single)).toContain('echo');
    // The log records the key's name, never the key.
    await gw.gatehouse.logs.flush();
    const logs = (await gw.api('GET', '/api/logs?tool=echo&limit=5')).body;
    expect(logs[0]).toMatchObject({ key: 'alpha-only', server: 'alpha' });
    expect(JSON.stringify(logs)).not.toContain(key);
  });

  it('limits a key to its tools, on /mcp and on /mcp/<server>', async () => {
    const { key } = await makeKey({ name: 'echo-only', tools: ['alpha-echo', 'beta-print_env'] });
    const client = await gw.connect(key);
    expect(await names(client)).toEqual(['alpha-echo', 'beta-print_env']);
    await expect(client.callTool({ name: 'alpha-print_env', arguments: { name: 'PATH' } })).rejects.toThrow(/Unknown tool/);
    const single = await gw.connect(key, '/alpha');
    expect(await names(single)).toEqual(['echo']);
    await expect(single.callTool({ name: 'print_env', arguments: { name: 'PATH' } })).rejects.toThrow(/Unknown tool/);
  });

  it('refuses an expired key, and one whose expiry is moved into the past', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const expired = await makeKey({ name: 'old', expiresAt: past });
    expect((await initialize({ authorization: `Bearer ${expired.key}` })).status).toBe(401);
    const live = await makeKey({ name: 'soon', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await initialize({ authorization: `Bearer ${live.key}` })).status).toBe(200);
    expect((await gw.api('PATCH', `/api/keys/${live.id}`, { expiresAt: past })).status).toBe(200);
    expect((await initialize({ authorization: `Bearer ${live.key}` })).status).toBe(401);
    expect((await gw.api('PATCH', `/api/keys/${live.id}`, { expiresAt: null })).body.expiresAt).toBeNull();
    expect((await initialize({ authorization: `Bearer ${live.key}` })).status).toBe(200);
    expect((await gw.api('POST', '/api/keys', { name: 'x', expiresAt: 'tomorrow' })).status).toBe(400);
  });

  it('applies a narrowed key to an open session at its next request', async () => {
    const { id, key } = await makeKey({ name: 'narrowed' });
    const client = await gw.connect(key);
    expect(await names(client)).toContain('beta-echo');
    await gw.api('PATCH', `/api/keys/${id}`, { servers: ['alpha'] });
    const after = await names(client);
    expect(after).toContain('alpha-echo');
    expect(after).not.toContain('beta-echo');
    await expect(client.callTool({ name: 'beta-echo', arguments: { text: 'x' } })).rejects.toThrow(/Unknown tool/);
  });

  it('revokes a key at the next request, also on an open MCP session', async () => {
    const { id, key } = await makeKey({ name: 'revoked' });
    const client = await gw.connect(key);
    expect((await names(client)).length).toBeGreaterThan(0);
    expect((await gw.api('DELETE', `/api/keys/${id}`)).body).toEqual({ revoked: id });
    await expect(client.listTools()).rejects.toThrow(/401|invalid|revoked/i);
    await expect(client.callTool({ name: 'alpha-echo', arguments: { text: 'x' } })).rejects.toThrow();
    expect((await initialize({ authorization: `Bearer ${key}` })).status).toBe(401);
    expect((await gw.api('DELETE', `/api/keys/${id}`)).status).toBe(404);
    expect((await gw.api('GET', '/api/keys')).body.map((info: { id: string }) => info.id)).not.toContain(id);
  });

  it('binds a session to its key: another key cannot use it', async () => {
    const one = await makeKey({ name: 'one' });
    const two = await makeKey({ name: 'two' });
    const opened = await initialize({ authorization: `Bearer ${one.key}` });
    const sessionId = opened.headers.get('mcp-session-id')!;
    const hijack = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${two.key}`, 'mcp-session-id': sessionId, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(hijack.status).toBe(403);
  });

  it('shows a key once: in the POST answer, never in GET or PATCH', async () => {
    const created = await gw.api('POST', '/api/keys', { name: 'shown-once', servers: ['alpha'], tools: null, models: ['gpt-4o'] });
    made.push(created.body.key);
    expect(created.body).toMatchObject({ name: 'shown-once', servers: ['alpha'], tools: null, models: ['gpt-4o'], expiresAt: null, lastUsedAt: null });
    expect(created.body.key).toMatch(/^sk-[A-Za-z0-9_-]{20,}$/);
    expect(typeof created.body.id).toBe('string');
    const patched = await gw.api('PATCH', `/api/keys/${created.body.id}`, { name: 'renamed' });
    expect(patched.body.name).toBe('renamed');
    const listed = JSON.stringify((await gw.api('GET', '/api/keys')).body);
    for (const key of made) {
      expect(listed).not.toContain(key);
      expect(JSON.stringify(patched.body)).not.toContain(key);
    }
    expect(listed).not.toMatch(/"(key|hash)"/);
    expect((await gw.api('PATCH', '/api/keys/nope', { name: 'x' })).status).toBe(404);
    expect((await gw.api('POST', '/api/keys', {})).status).toBe(400);
    expect((await gw.api('POST', '/api/keys', { name: 'x', admin: true })).status).toBe(400);
  });

  it('records last use', async () => {
    const { id, key } = await makeKey({ name: 'used' });
    expect((await initialize({ authorization: `Bearer ${key}` })).status).toBe(200);
    const info = (await gw.api('GET', '/api/keys')).body.find((entry: { id: string }) => entry.id === id);
    expect(Date.parse(info.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('stores only the SHA-256 of each key: the keys are nowhere in the database files', async () => {
    gw.gatehouse.keys.flush();
    await gw.gatehouse.logs.flush();
    const files = ['gatehouse.db', 'gatehouse.db-wal'].map((name) => join(gw.dataDir, name)).filter(existsSync);
    const bytes = Buffer.concat(files.map((file) => readFileSync(file)));
    expect(bytes.length).toBeGreaterThan(0);
    expect(made.length).toBeGreaterThan(5);
    for (const key of made) {
      expect(bytes.includes(Buffer.from(key)), 'plain key in the database').toBe(false);
      expect(bytes.includes(Buffer.from(key.slice(6, 30))), 'part of a key in the database').toBe(false);
    }
    const stillThere = made[made.length - 1];
    expect(bytes.includes(Buffer.from(createHash('sha256').update(stillThere).digest('hex')))).toBe(true);
    expect(bytes.includes(Buffer.from(gw.masterKey))).toBe(false);
  });
});
