import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SERVER, startGateway, waitFor, type TestGateway } from '../helpers/gateway';

// Idle downstream sessions are closed so abandoned clients cost nothing.
describe('downstream sessions', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway({ sessionIdleMs: 400 });
    await gw.addServer({ name: 'fixture', command: process.execPath, args: [TEST_SERVER] });
  });
  afterAll(() => gw.stop());

  const post = (body: unknown, sessionId?: string) =>
    fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${gw.masterKey}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
      },
      body: JSON.stringify(body),
    });

  it('reaps an abandoned session; its next request gets 404 and a new session works', async () => {
    // A client that initialized and went away: no open stream, no calls.
    const init = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'gone', version: '1' } } });
    const sessionId = init.headers.get('mcp-session-id')!;
    expect(init.status).toBe(200);
    await waitFor(() => gw.gatehouse.mcp.sessionCount === 0 || undefined, 5_000, 'idle session reaped');
    const late = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, sessionId);
    expect(late.status).toBe(404);
    const fresh = await gw.connect();
    expect((await fresh.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('tells a client about changes made before it opened its notification stream', async () => {
    const init = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'late', version: '1' } } });
    const sessionId = init.headers.get('mcp-session-id')!;
    await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, sessionId);
    // A quick change (this gateway reaps idle sessions after 400 ms).
    expect((await gw.api('PATCH', '/api/tools/fixture-echo', { enabled: false })).status).toBe(200);
    const controller = new AbortController();
    const stream = await fetch(`${gw.url}/mcp`, {
      headers: { authorization: `Bearer ${gw.masterKey}`, accept: 'text/event-stream', 'mcp-session-id': sessionId },
      signal: controller.signal,
    });
    const reader = stream.body!.getReader();
    const { value } = await reader.read();
    controller.abort();
    expect(new TextDecoder().decode(value)).toContain('notifications/tools/list_changed');
    await gw.api('PATCH', '/api/tools/fixture-echo', { enabled: true });
  });

  it('keeps an idle session whose client holds its notification stream open', async () => {
    const client = await gw.connect();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('keeps a session with a call in flight', async () => {
    const client = await gw.connect();
    const call = client.callTool({ name: 'fixture-slow', arguments: { ms: 1500 } });
    const result = await call;
    expect(result.content).toEqual([{ type: 'text', text: 'waited 1500' }]);
  });

  it('ends a session on DELETE', async () => {
    const client = await gw.connect();
    const before = gw.gatehouse.mcp.sessionCount;
    await (client.transport as { terminateSession(): Promise<void> }).terminateSession();
    expect(gw.gatehouse.mcp.sessionCount).toBe(before - 1);
  });
});
