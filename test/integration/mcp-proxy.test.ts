import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { EVERYTHING, TEST_SERVER, startGateway, waitFor, type TestGateway } from '../helpers/gateway';

// Real upstreams (server-everything and the fixture server as child processes), real HTTP,
// the SDK Client downstream: what Cursor or Claude Code would see through /mcp.
describe('/mcp aggregates every enabled server', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startGateway();
    await Promise.all([
      gw.addServer({ name: 'everything', ...EVERYTHING }),
      gw.addServer({ name: 'fixture', command: process.execPath, args: [TEST_SERVER] }),
    ]);
  });
  afterAll(() => gw.stop());

  it('lists the union of tools as <server>-<tool>', async () => {
    const client = await gw.connect();
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('everything-echo');
    expect(names).toContain('fixture-echo');
    expect(names).toContain('fixture-structured');
    expect(names.every((name) => /^[A-Za-z0-9_-]{1,64}$/.test(name))).toBe(true);
  });

  it('calls a tool on the right server and returns its real result', async () => {
    const client = await gw.connect();
    const result = await client.callTool({ name: 'everything-echo', arguments: { message: 'hi there' } });
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: hi there' }]);
    const fixture = await client.callTool({ name: 'fixture-echo', arguments: { text: 'from fixture' } });
    expect(fixture.content).toEqual([{ type: 'text', text: 'from fixture' }]);
  });

  it('passes tool errors, images and structured content through unchanged', async () => {
    const client = await gw.connect();
    const failed = await client.callTool({ name: 'fixture-fail', arguments: {} });
    expect(failed.isError).toBe(true);
    expect(failed.content).toEqual([{ type: 'text', text: 'it went wrong' }]);
    const image = await client.callTool({ name: 'fixture-image', arguments: {} });
    expect(image.content).toEqual([expect.objectContaining({ type: 'image', mimeType: 'image/png' })]);
    const structured = await client.callTool({ name: 'fixture-structured', arguments: { a: 2, b: 3 } });
    expect(structured.structuredContent).toEqual({ sum: 5 });
  });

  it('relays progress notifications to the caller', async () => {
    const client = await gw.connect();
    const seen: number[] = [];
    const result = await client.callTool({ name: 'fixture-progress', arguments: {} }, undefined, {
      onprogress: (progress) => seen.push(progress.progress),
    });
    expect(result.content).toEqual([{ type: 'text', text: 'done' }]);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('refuses an unknown tool with a JSON-RPC error', async () => {
    const client = await gw.connect();
    await expect(client.callTool({ name: 'nope-nothing', arguments: {} })).rejects.toThrow(/Unknown tool/);
  });

  it('aggregates prompts and resources and routes them back', async () => {
    const client = await gw.connect();
    const prompts = (await client.listPrompts()).prompts.map((prompt) => prompt.name);
    expect(prompts).toContain('fixture-greet');
    const prompt = await client.getPrompt({ name: 'fixture-greet', arguments: { who: 'Ada' } });
    expect(prompt.messages[0].content).toEqual({ type: 'text', text: 'Hello Ada' });
    const resources = (await client.listResources()).resources.map((resource) => resource.uri);
    expect(resources).toContain('test://readme');
    const read = await client.readResource({ uri: 'test://readme' });
    expect(read.contents[0]).toMatchObject({ text: 'test server readme' });
  });

  it('serves one server at /mcp/<server> under its own names', async () => {
    const client = await gw.connect(undefined, '/fixture');
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('echo');
    expect(names).not.toContain('fixture-echo');
    expect(names.some((name) => name.startsWith('everything'))).toBe(false);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'direct' } });
    expect(result.content).toEqual([{ type: 'text', text: 'direct' }]);
  });

  it('narrows with /mcp/<a>,<b> and the x-mcp-servers header', async () => {
    const both = await gw.connect(undefined, '/fixture,everything');
    const bothNames = (await both.listTools()).tools.map((tool) => tool.name);
    expect(bothNames).toContain('fixture-echo');
    expect(bothNames).toContain('everything-echo');
    const narrowed = await gw.connect(undefined, '', { 'x-mcp-servers': 'everything' });
    const names = (await narrowed.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('everything-echo');
    expect(names.some((name) => name.startsWith('fixture-'))).toBe(false);
  });

  it('answers 404 for /mcp/<unknown server>', async () => {
    await expect(gw.connect(undefined, '/nosuchserver')).rejects.toThrow();
  });

  it('forwards an upstream tools/list_changed and lists the new tool', async () => {
    const client = await gw.connect();
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    // The standalone GET stream carries server-initiated notifications; give it a moment to open.
    await waitFor(() => gw.gatehouse.mcp.sessionCount > 0 || undefined);
    await client.callTool({ name: 'fixture-add_tool', arguments: {} });
    const names = await waitFor(async () => {
      const list = (await client.listTools()).tools.map((tool) => tool.name);
      return list.includes('fixture-added') ? list : undefined;
    });
    expect(names).toContain('fixture-added');
    await waitFor(() => changed > 0 || undefined, 5_000, 'tools/list_changed');
  });

  it('tells connected clients when a server is added or removed', async () => {
    const client = await gw.connect();
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = changed;
    await gw.addServer({ name: 'second', command: process.execPath, args: [TEST_SERVER] });
    await waitFor(() => changed > before || undefined, 5_000, 'list_changed after add');
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('second-echo');
    const afterAdd = changed;
    expect((await gw.api('DELETE', '/api/servers/second')).status).toBe(200);
    await waitFor(async () => !(await client.listTools()).tools.some((tool) => tool.name === 'second-echo') || undefined, 10_000, 'second-echo gone');
    await waitFor(() => changed > afterAdd || undefined, 10_000, 'list_changed after delete');
  });

  it('logs every tool call: persisted, queryable and streamed live', async () => {
    const received: any[] = [];
    const controller = new AbortController();
    const stream = await fetch(`${gw.url}/api/logs/stream`, {
      headers: { authorization: `Bearer ${gw.masterKey}` },
      signal: controller.signal,
    });
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = stream.body!.getReader();
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for (let i = 0; i < 100; i++) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffer += decoder.decode(value);
        for (const match of buffer.matchAll(/^data: (.*)$/gm)) received.push(JSON.parse(match[1]));
        buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
        if (received.some((entry) => entry.tool === 'echo' && entry.arguments?.text === 'logged call')) return;
      }
    })();
    const client = await gw.connect();
    await client.callTool({ name: 'fixture-echo', arguments: { text: 'logged call', api_key: 'sk-should-not-appear-123456' } });
    await waitFor(() => received.find((entry) => entry.arguments?.text === 'logged call'), 5_000, 'live log entry');
    controller.abort();
    await reading;
    const live = received.find((entry) => entry.arguments?.text === 'logged call');
    expect(live).toMatchObject({ surface: 'mcp', key: 'master', server: 'fixture', tool: 'echo', isError: false });
    expect(JSON.stringify(live)).not.toContain('sk-should-not-appear');
    const { body } = await gw.api('GET', '/api/logs?server=fixture&tool=echo&limit=5');
    expect(body[0]).toMatchObject({ id: live.id, tool: 'echo', result: { content: [{ type: 'text', text: 'logged call' }] } });
  });
});
