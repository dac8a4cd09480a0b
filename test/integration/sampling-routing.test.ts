import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startGateway, type TestGateway } from '../helpers/gateway';

const FIXTURE = join(ROOT, 'dist/test/fixtures/conformance-server.js');

/** A downstream client that answers sampling requests with `answer()`, and records that it was asked. */
async function samplingClient(gw: TestGateway, name: string, answer: () => Promise<string>): Promise<{ client: Client; asked: string[] }> {
  const asked: string[] = [];
  const client = new Client({ name, version: '1.0.0' }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    const first = request.params.messages[0]?.content as { text?: string } | undefined;
    asked.push(first?.text ?? '');
    return { role: 'assistant', model: name, content: { type: 'text', text: await answer() } };
  });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/fixture`), { requestInit: { headers: { authorization: `Bearer ${gw.masterKey}` } } }),
  );
  return { client, asked };
}

const text = (result: unknown) => ((result as { content: Array<{ text: string }> }).content[0]?.text ?? '');

// A server's sampling request reaches the client whose call is running on that server; with
// calls of two clients in flight at once, the one made last (what the gateway can tell on
// stdio). Real child process, real HTTP, SDK clients on both sides.
describe('sampling while calls of several clients overlap', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
    await gw.addServer({ name: 'fixture', command: process.execPath, args: [FIXTURE] });
  });
  afterAll(() => gw.stop());

  it('asks each client for its own call while another client\'s call waits on its answer', async () => {
    let releaseFirst!: () => void;
    const firstMayAnswer = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstAsked!: () => void;
    const firstWasAsked = new Promise<void>((resolve) => (firstAsked = resolve));
    const clients: Client[] = [];
    try {
      const first = await samplingClient(gw, 'first', async () => {
        firstAsked();
        await firstMayAnswer;
        return 'answer of first';
      });
      clients.push(first.client);
      const second = await samplingClient(gw, 'second', async () => 'answer of second');
      clients.push(second.client);
      const third = await samplingClient(gw, 'third', async () => 'answer of third');
      clients.push(third.client);
      const firstCall = first.client.callTool({ name: 'test_sampling', arguments: { prompt: 'from first' } });
      // The first client is asked (or its call ends with why it was not, failing here at once).
      await Promise.race([firstWasAsked, firstCall.then((result) => Promise.reject(new Error(`the first call ended unasked: ${text(result)}`)))]);
      // The first call waits on its client; the second runs and ends meanwhile.
      const secondResult = await second.client.callTool({ name: 'test_sampling', arguments: { prompt: 'from second' } }, undefined, { timeout: 10_000 });
      expect(text(secondResult)).toBe('LLM response: answer of second');
      // And once more with the second call over and the first still waiting.
      const thirdResult = await third.client.callTool({ name: 'test_sampling', arguments: { prompt: 'from third' } }, undefined, { timeout: 10_000 });
      expect(text(thirdResult)).toBe('LLM response: answer of third');
      releaseFirst();
      expect(text(await firstCall)).toBe('LLM response: answer of first');
      expect(first.asked).toEqual(['from first']);
      expect(second.asked).toEqual(['from second']);
      expect(third.asked).toEqual(['from third']);
    } finally {
      releaseFirst();
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});
