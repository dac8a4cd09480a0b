import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SERVER, startGateway, waitFor, type TestGateway } from '../helpers/gateway';

// A tool set to "ask": its calls wait in /api/approvals until a person decides.
describe('approvals', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway({ approvalTimeoutMs: 1_500 });
    await gw.addServer({ name: 'fixture', command: process.execPath, args: [TEST_SERVER] });
    const patched = await gw.api('PATCH', '/api/tools/fixture-echo', { approval: 'always' });
    expect(patched.body).toMatchObject({ approval: 'always', enabled: true });
  });
  afterAll(() => gw.stop());

  const pendingFor = (text: string) =>
    waitFor(async () => {
      const { body } = await gw.api('GET', '/api/approvals');
      return (body as any[]).find((call) => call.arguments?.text === text);
    }, 5_000, `pending call ${text}`);

  it('runs the call once approved, showing client, key, tool and arguments while it waits', async () => {
    const client = await gw.connect();
    const call = client.callTool({ name: 'fixture-echo', arguments: { text: 'please' } });
    const pending = await pendingFor('please');
    expect(pending).toMatchObject({ tool: 'fixture-echo', server: 'fixture', key: 'master', client: 'test-client', surface: 'mcp' });
    expect((await gw.api('POST', `/api/approvals/${pending.id}`, { decision: 'approve' })).status).toBe(200);
    expect((await call).content).toEqual([{ type: 'text', text: 'please' }]);
    expect((await gw.api('GET', '/api/approvals')).body).toEqual([]);
  });

  it('answers a denied call with a tool error and logs it', async () => {
    const client = await gw.connect();
    const call = client.callTool({ name: 'fixture-echo', arguments: { text: 'no way' } });
    const pending = await pendingFor('no way');
    await gw.api('POST', `/api/approvals/${pending.id}`, { decision: 'deny' });
    const result = await call;
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/denied/);
    const { body } = await gw.api('GET', '/api/logs?tool=echo&status=error&limit=5');
    expect(JSON.stringify(body[0].result)).toMatch(/denied/);
  });

  it('fails a call nobody decides with a clear error after the timeout', async () => {
    const client = await gw.connect();
    const result = await client.callTool({ name: 'fixture-echo', arguments: { text: 'ignored' } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/nobody approved/);
  });

  it('refuses a decision on an unknown id and a bad decision', async () => {
    expect((await gw.api('POST', '/api/approvals/nope', { decision: 'approve' })).status).toBe(404);
    expect((await gw.api('POST', '/api/approvals/nope', { decision: 'maybe' })).status).toBe(400);
  });
});
