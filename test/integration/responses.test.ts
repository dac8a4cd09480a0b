import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedGateway, type TestGateway } from '../helpers/gateway';
import { ScriptedLlm, MODELS, checkLifecycle, offeredTools, parseSse, toolOutputs } from '../fixtures/scripted-llm';

// POST /v1/responses with MCP tools, driven by the openai SDK and by LiteLLM's documented calls.
// The "model" is ScriptedLlm, a scripted stand-in on 127.0.0.1 (no real model can be reached
// here): each test scripts which tools it asks for, in which order, and what it finally says.
describe('/v1/responses with MCP tools (scripted stand-in model)', () => {
  let gw: TestGateway;
  let llm: ScriptedLlm;
  let openai: OpenAI;

  beforeAll(async () => {
    ({ gw, llm } = await startScriptedGateway());
    // As in LiteLLM's docs: base_url is the gateway's root, without /v1.
    openai = new OpenAI({ apiKey: gw.masterKey, baseURL: gw.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.stop();
    await llm?.stop();
  });

  const mcp = (extra: Record<string, unknown> = {}): any => ({ type: 'mcp', server_label: 'gh', server_url: 'litellm_proxy', require_approval: 'never', ...extra });
  // responses.stream()'s finalResponse() has no output_text helper (openai 6.x): read the items.
  const textOf = (response: any) =>
    response.output.filter((item: any) => item.type === 'message').flatMap((item: any) => item.content.map((part: any) => part.text)).join('');
  const collect = async (stream: AsyncIterable<any>) => {
    const events: any[] = [];
    for await (const event of stream) events.push(event);
    return events;
  };

  it("runs LiteLLM's curl example unchanged but for base_url and key (streamed, tool_choice required)", async () => {
    llm.script([{ calls: [{ name: 'everything-echo', arguments: { message: 'litellm' } }] }, { text: 'LiteLLM is an LLM gateway.' }]);
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${gw.masterKey}` },
      body: JSON.stringify({
        model: 'gpt-5',
        input: [{ role: 'user', content: 'give me TLDR of what BerriAI/litellm repo is about', type: 'message' }],
        tools: [{ type: 'mcp', server_label: 'litellm', server_url: 'litellm_proxy', require_approval: 'never' }],
        stream: true,
        tool_choice: 'required',
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseSse(await res.text());
    const final = checkLifecycle(events);
    expect(final.output.map((item: any) => item.type)).toEqual(['mcp_list_tools', 'mcp_call', 'message']);
    const [list, call, message] = final.output;
    expect(list.server_label).toBe('litellm');
    expect(list.tools.map((tool: any) => tool.name)).toEqual(expect.arrayContaining(['everything-echo', 'everything-get-sum', 'fixture-echo']));
    expect(call).toMatchObject({ server_label: 'litellm', name: 'everything-echo', arguments: '{"message":"litellm"}', output: 'Echo: litellm', error: null });
    expect(message.content[0].text).toBe('LiteLLM is an LLM gateway.');
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['response.mcp_list_tools.completed', 'response.mcp_call.in_progress', 'response.mcp_call.completed']));
    // The stand-in was asked with the alias resolved, the tools as functions, the forced choice once.
    expect(llm.calls.map((request) => [request.path, request.body.model, request.body.tool_choice])).toEqual([
      ['/chat/completions', MODELS.chat, 'required'],
      ['/chat/completions', MODELS.chat, 'auto'],
    ]);
    expect(offeredTools(llm.calls[0])).toEqual(expect.arrayContaining(['everything-echo', 'fixture-echo']));
    expect(Object.values(toolOutputs(llm.calls[1]))).toEqual(['Echo: litellm']);
  });

  it("runs LiteLLM's SDK example with allowed_tools (responses.create, stream=True)", async () => {
    llm.script([{ calls: [{ name: 'everything-echo', arguments: { message: 'docs' } }] }, { text: 'TLDR: a proxy.' }]);
    const stream = await openai.responses.create({
      model: 'gpt-5',
      input: [{ role: 'user', content: 'give me TLDR of what BerriAI/litellm repo is about', type: 'message' }],
      tools: [{ type: 'mcp', server_label: 'litellm', server_url: 'litellm_proxy/mcp', require_approval: 'never', allowed_tools: ['everything-echo'] }],
      stream: true,
      tool_choice: 'required',
    });
    const final = checkLifecycle(await collect(stream));
    expect(final.output[0].tools.map((tool: any) => tool.name)).toEqual(['everything-echo']);
    expect(offeredTools(llm.calls[0])).toEqual(['everything-echo']);
    expect(final.output[1]).toMatchObject({ type: 'mcp_call', output: 'Echo: docs' });
  });

  it('lists tools per server_label, and two servers with a same-named tool both route', async () => {
    llm.script([{ calls: [{ name: 'echo', arguments: { message: 'to everything' } }, { name: 'fixture-echo', arguments: { text: 'to fixture' } }] }, { text: 'both' }]);
    const response = await openai.responses.create({
      model: MODELS.chat,
      input: 'echo twice',
      tools: [
        mcp({ server_label: 'everything', server_url: 'litellm_proxy/mcp/everything', allowed_tools: ['echo'] }),
        mcp({ server_label: 'fixture', server_url: 'gatehouse/mcp/fixture', allowed_tools: ['echo'] }),
      ],
    });
    const lists = response.output.filter((item) => item.type === 'mcp_list_tools') as any[];
    expect(lists.map((list) => [list.server_label, list.tools.map((tool: any) => tool.name)])).toEqual([
      ['everything', ['echo']],
      ['fixture', ['echo']],
    ]);
    expect(offeredTools(llm.calls[0])).toEqual(['echo', 'fixture-echo']);
    const calls = response.output.filter((item) => item.type === 'mcp_call') as any[];
    expect(calls.map((call) => [call.server_label, call.name, call.output])).toEqual([
      ['everything', 'echo', 'Echo: to everything'],
      ['fixture', 'echo', 'to fixture'],
    ]);
  });

  describe.each([
    ['Chat Completions', MODELS.chat, '/chat/completions'],
    ['Responses', MODELS.responses, '/responses'],
  ])('upstream speaking %s', (_api, model, path) => {
    it('runs several tools in order, parallel calls and a failing tool (responses.create, plain)', async () => {
      llm.script([
        { calls: [{ name: 'everything-echo', arguments: { message: 'one' } }, { name: 'everything-get-sum', arguments: { a: 2, b: 3 } }] },
        { calls: [{ name: 'fixture-fail', arguments: {} }] },
        { text: 'done: 5', usage: { input: 7, output: 3 } },
      ]);
      const response = await openai.responses.create({ model, instructions: 'Be brief.', input: 'sum and echo', tools: [mcp()] });
      expect(response.status).toBe('completed');
      expect(response.output.map((item) => item.type)).toEqual(['mcp_list_tools', 'mcp_call', 'mcp_call', 'mcp_call', 'message']);
      const calls = response.output.filter((item) => item.type === 'mcp_call') as any[];
      expect(calls.map((call) => [call.name, call.arguments, call.output, call.error])).toEqual([
        ['everything-echo', '{"message":"one"}', 'Echo: one', null],
        ['everything-get-sum', '{"a":2,"b":3}', 'The sum of 2 and 3 is 5.', null],
        ['fixture-fail', '{}', null, 'it went wrong'],
      ]);
      expect(typeof calls[2].error).toBe('string');
      expect(response.output_text).toBe('done: 5');
      expect(response.usage).toMatchObject({ input_tokens: 27, output_tokens: 13, total_tokens: 40 });
      expect(llm.calls.map((request) => request.path)).toEqual([path, path, path]);
      expect(llm.calls.every((request) => request.body.model === model && request.body.stream === true)).toBe(true);
      expect(toolOutputs(llm.calls[1])).toEqual({
        'call_scripted_0_everything-echo': 'Echo: one',
        'call_scripted_1_everything-get-sum': 'The sum of 2 and 3 is 5.',
      });
      expect(toolOutputs(llm.calls[2])['call_scripted_0_fixture-fail']).toBe('Error: it went wrong');
      const first = llm.calls[0].body;
      expect(path === '/responses' ? first.instructions : first.messages[0]).toEqual(path === '/responses' ? 'Be brief.' : { role: 'system', content: 'Be brief.' });
      if (path === '/chat/completions') {
        // The parallel calls go back as one assistant message with both calls, then both results.
        const roles = llm.calls[1].body.messages.map((message: any) => `${message.role}${message.tool_calls ? `:${message.tool_calls.length}` : ''}`);
        expect(roles).toEqual(['system', 'user', 'assistant:2', 'tool', 'tool']);
      }
    });

    it('streams one lifecycle across tool rounds (responses.create stream) and parses in responses.stream()', async () => {
      const turns = [{ text: 'Let me check. ', calls: [{ name: 'everything-echo', arguments: { message: 'hi' } }] }, { text: 'Echo said hi.' }];
      llm.script(turns);
      const events = await collect(await openai.responses.create({ model, input: 'say hi', tools: [mcp()], stream: true }));
      const final = checkLifecycle(events);
      expect(final.output.map((item: any) => item.type)).toEqual(['mcp_list_tools', 'message', 'mcp_call', 'message']);
      expect(events.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta).join('')).toBe('Let me check. Echo said hi.');

      llm.script(turns);
      const stream = openai.responses.stream({ model, input: 'say hi', tools: [mcp()] });
      let deltas = '';
      const snapshots: string[] = [];
      stream.on('response.output_text.delta', (event) => ((deltas += event.delta), snapshots.push(event.snapshot)));
      const response = await stream.finalResponse();
      expect(response.status).toBe('completed');
      expect(textOf(response)).toBe('Let me check. Echo said hi.');
      expect(deltas).toBe('Let me check. Echo said hi.');
      // The helper's per-message snapshot: the text of the current message so far.
      expect(snapshots.at(-1)).toBe('Echo said hi.');
      expect((response.output[2] as any).output).toBe('Echo: hi');
    });
  });

  it('stops a model that never stops calling tools, with a clear failure (streamed and plain)', async () => {
    llm.script([], { calls: [{ name: 'everything-echo', arguments: { message: 'again' } }] });
    const events = await collect(await openai.responses.create({ model: MODELS.chat, input: 'loop', tools: [mcp()], stream: true }));
    const final = checkLifecycle(events, 'response.failed');
    expect(final.status).toBe('failed');
    expect(final.error).toMatchObject({ code: 'max_tool_rounds', message: expect.stringMatching(/still calling tools/) });
    expect(llm.calls).toHaveLength(16);
    expect(final.output.filter((item: any) => item.type === 'mcp_call')).toHaveLength(16);
    expect(llm.open).toEqual([]);

    llm.script([], { calls: [{ name: 'everything-echo', arguments: { message: 'again' } }] });
    const plain = await openai.responses.create({ model: MODELS.responses, input: 'loop', tools: [mcp()] });
    expect(plain.status).toBe('failed');
    expect(plain.error?.code).toBe('max_tool_rounds');
  });

  it('honours max_tool_calls: later calls are not run and no MCP tools are offered any more', async () => {
    llm.script([
      { calls: [{ name: 'everything-echo', arguments: { message: 'a' } }, { name: 'everything-echo', arguments: { message: 'b' }, id: 'call_b' }] },
      { text: 'ok' },
    ]);
    const response = await openai.responses.create({ model: MODELS.chat, input: 'x', tools: [mcp()], max_tool_calls: 1 });
    expect(response.max_tool_calls).toBe(1);
    expect(response.output.filter((item) => item.type === 'mcp_call')).toHaveLength(1);
    expect(toolOutputs(llm.calls[1]).call_b).toMatch(/max_tool_calls/);
    expect(offeredTools(llm.calls[1])).toEqual([]);
  });

  it('tells the model when it calls a tool that does not exist, and goes on', async () => {
    llm.script([{ calls: [{ name: 'made_up_tool', arguments: {}, id: 'call_x' }] }, { text: 'sorry' }]);
    const response = await openai.responses.create({ model: MODELS.chat, input: 'x', tools: [mcp()] });
    expect(response.output.map((item) => item.type)).toEqual(['mcp_list_tools', 'message']);
    expect(toolOutputs(llm.calls[1]).call_x).toMatch(/no tool named made_up_tool/);
  });

  it("returns the caller's own function calls without running them, then continues with previous_response_id", async () => {
    const weather = { type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false };
    const tools = [mcp({ server_url: 'litellm_proxy/mcp/everything', allowed_tools: ['echo'] }), weather];
    llm.script([{ calls: [{ name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_w' }, { name: 'echo', arguments: { message: 'x' } }] }, { text: 'Sunny in Paris.' }]);
    const first = await openai.responses.create({ model: MODELS.responses, input: 'weather?', tools });
    expect(first.output.map((item) => item.type)).toEqual(['mcp_list_tools', 'function_call', 'mcp_call']);
    expect(first.output[1]).toMatchObject({ type: 'function_call', call_id: 'call_w', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' });
    expect(offeredTools(llm.calls[0]).sort()).toEqual(['echo', 'get_weather']);
    expect(llm.calls).toHaveLength(1);

    const second = await openai.responses.create({
      model: MODELS.responses,
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: 'call_w', output: 'sunny' }],
      tools,
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(second.output.map((item) => item.type)).toEqual(['message']);
    expect(second.output_text).toBe('Sunny in Paris.');
    expect(toolOutputs(llm.calls[1])).toMatchObject({ call_w: 'sunny', 'call_scripted_1_echo': 'Echo: x' });
  });

  it('asks for approval (require_approval "always"), runs the call once approved via previous_response_id', async () => {
    const tools = [mcp({ server_url: 'litellm_proxy/mcp/everything', require_approval: 'always' })];
    llm.script([{ calls: [{ name: 'echo', arguments: { message: 'approve me' } }] }, { text: 'approved and done' }]);
    const first = await openai.responses.create({ model: MODELS.chat, input: 'echo', tools });
    expect(first.output.map((item) => item.type)).toEqual(['mcp_list_tools', 'mcp_approval_request']);
    const request = first.output[1] as any;
    expect(request).toMatchObject({ server_label: 'gh', name: 'echo', arguments: '{"message":"approve me"}' });
    expect(llm.calls).toHaveLength(1);

    const events: any[] = [];
    const stream = openai.responses.stream({
      model: MODELS.chat,
      previous_response_id: first.id,
      input: [{ type: 'mcp_approval_response', approval_request_id: request.id, approve: true }],
      tools,
    });
    stream.on('event', (event) => events.push(event));
    const second = await stream.finalResponse();
    checkLifecycle(events);
    expect(second.output.map((item) => item.type)).toEqual(['mcp_call', 'message']);
    expect(second.output[0]).toMatchObject({ approval_request_id: request.id, output: 'Echo: approve me', error: null });
    expect(textOf(second)).toBe('approved and done');
    expect(Object.values(toolOutputs(llm.calls[1]))).toEqual(['Echo: approve me']);
  });

  it('asks only for tools outside {"never":{"tool_names":[...]}}; a denied call is not run', async () => {
    const tools = [mcp({ require_approval: { never: { tool_names: ['everything-echo'] } } })];
    llm.script([
      { calls: [{ name: 'everything-echo', arguments: { message: 'free' } }, { name: 'everything-get-sum', arguments: { a: 1, b: 1 }, id: 'call_sum' }] },
      { text: 'ok, no sum' },
    ]);
    const first = await openai.responses.create({ model: MODELS.responses, input: 'x', tools });
    expect(first.output.map((item) => item.type)).toEqual(['mcp_list_tools', 'mcp_approval_request', 'mcp_call']);
    expect(first.output[1]).toMatchObject({ name: 'everything-get-sum' });
    expect(first.output[2]).toMatchObject({ name: 'everything-echo', output: 'Echo: free' });
    const second = await openai.responses.create({
      model: MODELS.responses,
      previous_response_id: first.id,
      input: [{ type: 'mcp_approval_response', approval_request_id: first.output[1].id!, approve: false }],
      tools,
    });
    expect(second.output.map((item) => item.type)).toEqual(['message']);
    expect(toolOutputs(llm.calls[1]).call_sum).toMatch(/denied/);
    const logs = await gw.api('GET', '/api/logs?tool=get-sum&limit=50');
    expect(logs.body.filter((entry: any) => entry.arguments?.a === 1 && entry.arguments?.b === 1)).toEqual([]);
  });

  it('GET /v1/responses/{id} returns the stored response, only to the key that made it', async () => {
    llm.script([{ text: 'stored answer' }]);
    const created = await openai.responses.create({ model: MODELS.chat, input: 'store me', metadata: { case: 'get' } });
    const fetched = await openai.responses.retrieve(created.id);
    expect(fetched).toMatchObject({ id: created.id, status: 'completed', output_text: 'stored answer', metadata: { case: 'get' } });
    expect((await gw.api('GET', `/v1/responses/${created.id}`)).body.output).toEqual(JSON.parse(JSON.stringify(created.output)));
    const other = await gw.api('POST', '/api/keys', { name: 'other-reader' });
    const foreign = await gw.api('GET', `/v1/responses/${created.id}`, undefined, other.body.key);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toMatchObject({ type: 'invalid_request_error', code: 'not_found' });
    expect((await gw.api('GET', '/v1/responses/resp_nope')).status).toBe(404);
  });

  it('logs every MCP call with surface "responses" and records token usage per request', async () => {
    const logs = await gw.api('GET', '/api/logs?server=everything&limit=200');
    const fromResponses = logs.body.filter((entry: any) => entry.surface === 'responses');
    expect(fromResponses.length).toBeGreaterThan(20);
    expect(fromResponses.find((entry: any) => entry.arguments?.message === 'litellm')).toMatchObject({ tool: 'echo', key: 'master', isError: false });
    const failed = (await gw.api('GET', '/api/logs?tool=fail&limit=5')).body[0];
    expect(failed).toMatchObject({ surface: 'responses', server: 'fixture', isError: true });
    const usage = await gw.api('GET', '/api/usage?limit=200');
    const rows = usage.body.recent.filter((row: any) => row.surface === 'responses');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.some((row: any) => row.provider === 'scripted_chat' && row.model === MODELS.chat && row.total_tokens > 0)).toBe(true);
    expect(rows.some((row: any) => row.provider === 'scripted_responses' && row.input_tokens === 27 && row.output_tokens === 13)).toBe(true);
    expect(usage.body.byKey.find((total: any) => total.keyId === null).requests).toBeGreaterThan(5);
  });
});
