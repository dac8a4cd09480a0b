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

  it('reaps an idle session; its next request gets 404 and a new session works', async () => {
    const client = await gw.connect();
    expect(gw.gatehouse.mcp.sessionCount).toBe(1);
    await waitFor(() => gw.gatehouse.mcp.sessionCount === 0 || undefined, 5_000, 'idle session reaped');
    await expect(client.listTools()).rejects.toThrow(/404|Session not found/);
    const fresh = await gw.connect();
    expect((await fresh.listTools()).tools.length).toBeGreaterThan(0);
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
