import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVERYTHING, startGateway, type TestGateway } from '../helpers/gateway';
import { freePort, startProcess, stopProcess } from '../helpers/processes';

const everythingIn = (mode: string, port: number) =>
  startProcess(EVERYTHING.command, [EVERYTHING.args[0], mode], /listening on port|running on port/i, { env: { PORT: String(port) } });

// server-everything in its own HTTP modes on 127.0.0.1, reached by the gateway as a remote server.
describe('remote upstream servers', () => {
  let gw: TestGateway;
  const started: Array<Awaited<ReturnType<typeof everythingIn>>> = [];

  beforeAll(async () => {
    gw = await startGateway({ supervisor: { backoffBaseMs: 100, backoffMaxMs: 500 } });
  });
  afterAll(async () => {
    await gw.stop();
    await Promise.all(started.map(({ child }) => stopProcess(child)));
  });

  it('proxies a Streamable HTTP server', async () => {
    const port = await freePort();
    started.push(await everythingIn('streamableHttp', port));
    const view = await gw.addServer({ name: 'remote', url: `http://127.0.0.1:${port}/mcp`, headers: { 'x-test': 'value' } });
    expect(view).toMatchObject({ transport: 'http', status: 'ready' });
    const client = await gw.connect();
    const result = await client.callTool({ name: 'remote-echo', arguments: { message: 'over http' } });
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: over http' }]);
  });

  it('proxies an SSE server', async () => {
    const port = await freePort();
    started.push(await everythingIn('sse', port));
    const view = await gw.addServer({ name: 'legacy', url: `http://127.0.0.1:${port}/sse` });
    expect(view).toMatchObject({ transport: 'sse', status: 'ready' });
    const client = await gw.connect();
    const result = await client.callTool({ name: 'legacy-echo', arguments: { message: 'over sse' } });
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: over sse' }]);
  });

  it('reports a remote server that is down, keeps the others, and reconnects when it comes back', async () => {
    const port = await freePort();
    const created = await gw.api('POST', '/api/servers', { name: 'later', url: `http://127.0.0.1:${port}/mcp` });
    expect(created.status).toBe(201);
    const down = await gw.waitForServer('later', (view) => view.status === 'error');
    expect(down.error).toMatch(/retrying/);
    const client = await gw.connect();
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('remote-echo');
    started.push(await everythingIn('streamableHttp', port));
    await gw.waitForServer('later', (view) => view.status === 'ready', 20_000);
    const result = await client.callTool({ name: 'later-echo', arguments: { message: 'back' } });
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: back' }]);
  });
});
