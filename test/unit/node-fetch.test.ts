import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFetch } from '../../main/llm/node-fetch';

let server: Server;
let base = '';
let lastBody = '';
let closedEarly = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      lastBody = Buffer.concat(chunks).toString();
      if (req.url === '/json') {
        res.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'req_1', 'x-seen-auth': String(req.headers.authorization) });
        return void res.end(JSON.stringify({ ok: true }));
      }
      if (req.url === '/gzip') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        return void res.end(gzipSync(JSON.stringify({ zipped: true })));
      }
      if (req.url === '/error') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        return void res.end(JSON.stringify({ error: { message: 'slow down' } }));
      }
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: one\n\n');
        const timer = setTimeout(() => res.end('data: two\n\n'), 5_000);
        res.on('close', () => {
          clearTimeout(timer);
          closedEarly = !res.writableFinished;
        });
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('nodeFetch (the openai SDK’s transport to model providers)', () => {
  it('sends method, headers and body, and gives back status, headers and body', async () => {
    const response = await nodeFetch(`${base}/json`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: '{"model":"m"}' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('req_1');
    expect(response.headers.get('x-seen-auth')).toBe('Bearer k');
    expect(await response.json()).toEqual({ ok: true });
    expect(lastBody).toBe('{"model":"m"}');
  });

  it('hands error statuses over for the SDK to turn into its errors', async () => {
    const response = await nodeFetch(`${base}/error`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toEqual({ error: { message: 'slow down' } });
  });

  it('decodes a gzip body a server sends unasked', async () => {
    const response = await nodeFetch(`${base}/gzip`);
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(await response.json()).toEqual({ zipped: true });
  });

  it('answers 204 with no body', async () => {
    const response = await nodeFetch(`${base}/empty`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('streams the body as it comes, and an abort mid-answer closes the connection to the provider', async () => {
    const controller = new AbortController();
    closedEarly = false;
    const response = await nodeFetch(`${base}/stream`, { signal: controller.signal });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toBe('data: one\n\n');
    controller.abort(new Error('the client went away'));
    await expect(reader.read()).rejects.toBeDefined();
    for (let attempt = 0; attempt < 100 && !closedEarly; attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closedEarly).toBe(true);
  });

  it('rejects when the provider cannot be reached, and at once for an aborted signal', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(nodeFetch(`http://127.0.0.1:${port}/v1/models`)).rejects.toThrow(/ECONNREFUSED/);
    await expect(nodeFetch(`${base}/json`, { signal: AbortSignal.abort(new Error('stop')) })).rejects.toThrow('stop');
  });
});
