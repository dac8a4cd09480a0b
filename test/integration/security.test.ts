import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHostAndOrigin } from '../../main/gateway/origin-guard';
import { startGateway, type TestGateway } from '../helpers/gateway';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

// DNS rebinding, size limits, malformed input and hostile bytes, over real HTTP on 127.0.0.1.
describe('security', () => {
  let gw: TestGateway;
  let port: number;
  let virtualKey: string;
  /** Every error body seen, checked for stack traces at the end. */
  const errorBodies: string[] = [];

  beforeAll(async () => {
    gw = await startGateway();
    port = Number(new URL(gw.url).port);
    virtualKey = (await gw.api('POST', '/api/keys', { name: 'client' })).body.key;
  });
  afterAll(() => gw.stop());

  /** node:http, so Host and other headers go out exactly as given. */
  const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          if (res.statusCode! >= 400) errorBodies.push(text);
          resolve({ status: res.statusCode!, headers: res.headers, text, json });
        });
      });
      req.on('error', reject);
      req.end(body);
    });

  /** Writes raw bytes on a socket and returns whatever comes back before it closes. */
  const raw = (data: string | Buffer, { close = false, waitMs = 2_000 } = {}): Promise<string> =>
    new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let out = '';
      const done = () => (clearTimeout(timer), socket.destroy(), resolve(out));
      const timer = setTimeout(done, waitMs);
      socket.on('data', (chunk) => (out += chunk.toString('latin1')));
      socket.on('error', done);
      socket.on('close', done);
      socket.write(data, () => close && setTimeout(() => socket.destroy(), 50));
    });

  const master = () => ({ authorization: `Bearer ${gw.masterKey}` });
  const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
  const healthy = async () => expect((await send('GET', '/health')).json).toEqual({ status: 'ok' });

  it('refuses a foreign Origin with 403 on /mcp, /api and /health, in each surface\'s shape', async () => {
    const origin = { origin: 'http://evil.example' };
    const mcp = await send('POST', '/mcp', { ...master(), ...json, ...origin }, init);
    expect(mcp.status).toBe(403);
    expect(mcp.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: expect.any(Number), message: expect.stringMatching(/Origin/) } });
    const api = await send('GET', '/api/status', { ...master(), ...origin });
    expect(api.status).toBe(403);
    expect(api.json).toEqual({ error: { message: expect.stringMatching(/evil\.example/), code: 'forbidden' } });
    expect((await send('GET', '/health', origin)).status).toBe(403);
    for (const other of ['null', 'file://', 'http://localhost.evil.example', 'https://127.0.0.1.nip.io']) {
      expect((await send('GET', '/health', { origin: other })).status, other).toBe(403);
    }
  });

  it('refuses a foreign Host with 403, and a request carrying two Host headers', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, `localhost.evil.example:${port}`, `127.0.0.1.evil.example`]) {
      expect((await send('GET', '/health', { host })).status, host).toBe(403);
      expect((await send('GET', '/api/status', { ...master(), host })).status, host).toBe(403);
    }
    const twice = await raw(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
    expect(twice).toMatch(/^HTTP\/1\.1 403/);
  });

  it('accepts localhost, 127.0.0.1 and [::1] hosts and loopback origins', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost', 'LOCALHOST']) {
      expect((await send('GET', '/health', { host })).status, host).toBe(200);
    }
    for (const origin of [`http://localhost:${port}`, 'http://127.0.0.1:5173', `http://[::1]:${port}`]) {
      expect((await send('GET', '/api/status', { ...master(), origin })).status, origin).toBe(200);
    }
    const mcp = await send('POST', '/mcp', { ...master(), ...json, origin: `http://localhost:${port}` }, init);
    expect(mcp.status).toBe(200);
  });

  it('answers 413 to bodies over 4 MiB, declared or streamed, and keeps answering', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(4 * 1024 * 1024 + 10) } });
    const mcp = await send('POST', '/mcp', { ...master(), ...json }, big);
    expect(mcp.status).toBe(413);
    expect(mcp.json.error.message).toMatch(/bytes/);
    const api = await send('POST', '/api/servers', { ...master(), 'content-type': 'application/json' }, big);
    expect(api.status).toBe(413);
    expect(api.json.error.code).toBe('payload_too_large');
    // Chunked: no Content-Length, so the limit is found while reading.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/keys', headers: { ...master(), 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      const piece = Buffer.alloc(256 * 1024, 'a');
      for (let index = 0; index < 20; index++) req.write(piece);
      req.end();
    });
    expect(chunked).toBe(413);
    expect((await gw.api('GET', '/api/keys')).body).toHaveLength(1);
    await healthy();
  });

  it('answers JSON-RPC errors to malformed JSON, non-JSON-RPC and unknown methods', async () => {
    const parse = await send('POST', '/mcp', { ...master(), ...json }, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(parse.status).toBe(400);
    expect(parse.json.error.code).toBe(-32700);
    const invalid = await send('POST', '/mcp', { ...master(), ...json }, '{"foo":1}');
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.code).toBe(-32600);
    const opened = await send('POST', '/mcp', { ...master(), ...json }, init);
    const session = { 'mcp-session-id': String(opened.headers['mcp-session-id']), 'mcp-protocol-version': '2025-06-18' };
    await send('POST', '/mcp', { ...master(), ...json, ...session }, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    const unknown = await send('POST', '/mcp', { ...master(), ...json, ...session }, JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'no/such/method' }));
    expect(unknown.json).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32601 } });
    const apiBad = await send('POST', '/api/keys', { ...master(), 'content-type': 'application/json' }, '{not json');
    expect(apiBad.status).toBe(400);
    expect(apiBad.json).toEqual({ error: { message: expect.stringMatching(/JSON/), code: 'bad_request' } });
  });

  it('survives garbage bytes, huge headers, bad request targets and truncated requests', async () => {
    const garbage = await raw(Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 13, 10, 13, 10, 0x80, 0x81]));
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    await healthy();
    const huge = await raw(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(200_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431/);
    await healthy();
    const manyHeaders = Object.fromEntries(Array.from({ length: 2_000 }, (_, index) => [`x-h${index}`, 'v'.repeat(20)]));
    await expect(send('GET', '/health', manyHeaders)).resolves.toMatchObject({ status: 431 });
    await healthy();
    const badTarget = await raw(`GET http://[bad/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expect(badTarget).toMatch(/^HTTP\/1\.1 400/);
    const badEscape = await send('GET', '/api/servers/%E0%A4%A', master());
    expect(badEscape.status).toBe(400);
    expect(badEscape.json.error.code).toBe('bad_request');
    const cut = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${gw.masterKey}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"jsonrpc":"2.0",`;
    await raw(cut, { close: true, waitMs: 300 });
    await raw(`POST /api/keys HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${gw.masterKey}\r\nContent-Length: 50\r\n\r\n{"na`, { close: true, waitMs: 300 });
    await raw('GET /heal', { close: true, waitMs: 200 });
    await raw(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nzz\r\n`, { waitMs: 500 });
    await raw(`POST /api/keys HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${gw.masterKey}\r\nTransfer-Encoding: chunked\r\n\r\nnot-hex\r\n`, { waitMs: 500 });
    await healthy();
    expect((await gw.api('GET', '/api/keys')).body).toHaveLength(1);
  });

  it('keeps /api for the master key: a virtual key gets 403, no key 401', async () => {
    const withVirtual = await send('GET', '/api/keys', { authorization: `Bearer ${virtualKey}` });
    expect(withVirtual.status).toBe(403);
    expect(withVirtual.json).toEqual({ error: { message: expect.stringMatching(/master key/), code: 'forbidden' } });
    expect((await send('POST', '/api/keys', { authorization: `Bearer ${virtualKey}`, 'content-type': 'application/json' }, '{"name":"x"}')).status).toBe(403);
    expect((await send('GET', '/api/keys')).status).toBe(401);
    // Dot segments do not lead around the check.
    expect((await send('GET', '/mcp/../api/keys', { authorization: `Bearer ${virtualKey}` })).status).toBe(403);
  });

  it('never sends a CORS wildcard; preflight echoes loopback origins only', async () => {
    const local = `http://localhost:${port}`;
    const preflight = await send('OPTIONS', '/mcp', { origin: local, 'access-control-request-method': 'POST' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(local);
    expect((await send('OPTIONS', '/mcp', { origin: 'http://evil.example', 'access-control-request-method': 'POST' })).status).toBe(403);
    for (const path of ['/health', '/api/status', '/mcp', '/v1/models']) {
      const answer = await send('GET', path, { ...master(), origin: local });
      expect(answer.headers['access-control-allow-origin'], path).not.toBe('*');
      expect(answer.headers['access-control-allow-credentials'], path).toBeUndefined();
    }
  });

  it('puts no stack trace in any error body', async () => {
    errorBodies.push((await send('GET', '/nope', master())).text);
    errorBodies.push((await send('PUT', '/api/status', master())).text);
    errorBodies.push((await send('POST', '/api/tools/nope/call', { ...master(), 'content-type': 'application/json' }, 'null')).text);
    errorBodies.push((await send('POST', '/v1/chat/completions', { ...master(), 'content-type': 'application/json' }, '{')).text);
    expect(errorBodies.length).toBeGreaterThan(20);
    for (const body of errorBodies) {
      expect(body).not.toMatch(/\n\s+at |node:internal|\.[jt]s:\d+:\d+/);
      expect(body).not.toContain(gw.masterKey);
      expect(body).not.toContain(virtualKey);
    }
  });
});

// The same rules for the other addresses `--host` may bind.
describe('host and origin rules by bound address', () => {
  const check = (bound: string, host: string | undefined, origin?: string) => checkHostAndOrigin({ host, ...(origin ? { origin } : {}) }, bound);

  it('bound to loopback: loopback names only', () => {
    expect(check('127.0.0.1', '127.0.0.1:4000')).toBeNull();
    expect(check('127.0.0.1', '192.168.1.5:4000')).toMatch(/Host/);
    expect(check('127.0.0.1', undefined)).toMatch(/Host/);
    expect(check('127.0.0.1', '[::1')).toMatch(/Host/);
  });

  it('bound to a named or IPv6 address: that address too', () => {
    expect(check('192.168.1.5', '192.168.1.5:4000', 'http://192.168.1.5:4000')).toBeNull();
    expect(check('fe80::1', '[fe80::1]:4000')).toBeNull();
    expect(check('192.168.1.5', '192.168.1.6:4000')).toMatch(/Host/);
  });

  it('bound to every interface: IP hosts and same-origin pages, never a foreign name', () => {
    expect(check('0.0.0.0', '192.168.1.5:4000')).toBeNull();
    expect(check('::', '[fd00::5]:4000')).toBeNull();
    expect(check('0.0.0.0', '192.168.1.5:4000', 'http://192.168.1.5:4000')).toBeNull();
    expect(check('0.0.0.0', '192.168.1.5:4000', 'http://192.168.1.9:4000')).toMatch(/Origin/);
    expect(check('0.0.0.0', '192.168.1.5:4000', 'http://evil.example')).toMatch(/Origin/);
    expect(check('0.0.0.0', 'evil.example:4000')).toMatch(/Host/);
    expect(check('0.0.0.0', 'evil.example:4000', 'http://evil.example:4000')).toMatch(/Host/);
  });
});
