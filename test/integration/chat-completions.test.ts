import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedGateway, type TestGateway } from '../helpers/gateway';
import { ScriptedLlm, MODELS, UPSTREAM_KEY, offeredTools, toolOutputs } from '../fixtures/scripted-llm';

// POST /v1/chat/completions (plain proxy, and the MCP tool loop answered as a chat completion),
// GET /v1/models and a key's model scope. The "model" is ScriptedLlm, a scripted stand-in on
// 127.0.0.1: no real model can be reached here, so each test scripts what it answers.
describe('/v1/chat/completions and /v1/models (scripted stand-in model)', () => {
  let gw: TestGateway;
  let llm: ScriptedLlm;
  let openai: OpenAI;

  beforeAll(async () => {
    ({ gw, llm } = await startScriptedGateway());
    openai = new OpenAI({ apiKey: gw.masterKey, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.stop();
    await llm?.stop();
  });

  const everything: any = { type: 'mcp', server_label: 'everything', server_url: 'litellm_proxy/mcp/everything', require_approval: 'never' };
  const makeKey = async (input: Record<string, unknown>) => (await gw.api('POST', '/api/keys', input)).body.key as string;

  it('proxies a plain request to the provider (alias resolved, its key used, body overrides ignored)', async () => {
    llm.script([{ text: 'Hello there.', usage: { input: 4, output: 2 } }]);
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.masterKey}` },
      body: JSON.stringify({
        model: 'gpt-5',
        messages: [{ role: 'user', content: 'hi' }],
        temperature: 0.2,
        api_base: 'http://127.0.0.1:9/v1',
        base_url: 'http://127.0.0.1:9/v1',
        api_key: 'sk-caller-chosen',
      }),
    });
    expect(res.status).toBe(200);
    const completion = await res.json();
    expect(completion).toMatchObject({ object: 'chat.completion', model: 'gpt-5', choices: [{ message: { role: 'assistant', content: 'Hello there.' }, finish_reason: 'stop' }] });
    expect(llm.calls).toHaveLength(1);
    const [upstream] = llm.calls;
    expect(upstream.path).toBe('/chat/completions');
    expect(upstream.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(upstream.body).toEqual({ model: MODELS.chat, messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 });
  });

  it('proxies a streamed request chunk by chunk; the usage chunk only when asked for', async () => {
    llm.script([{ text: 'one two three' }, { text: 'four five', usage: { input: 6, output: 2 } }]);
    const chunks: any[] = [];
    for await (const chunk of await openai.chat.completions.create({ model: MODELS.chat, messages: [{ role: 'user', content: 'count' }], stream: true })) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('one two three');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
    expect(chunks.every((chunk) => chunk.choices.length === 1 && chunk.model === MODELS.chat)).toBe(true);
    expect(llm.calls[0].body.stream_options).toEqual({ include_usage: true });

    const stream = openai.chat.completions.stream({ model: MODELS.chat, messages: [{ role: 'user', content: 'count' }], stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0].message.content).toBe('four five');
    expect(final.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 2, total_tokens: 8 });
  });

  describe.each([
    ['Chat Completions', MODELS.chat, '/chat/completions'],
    ['Responses', MODELS.responses, '/responses'],
  ])('with MCP tools, upstream speaking %s', (_api, model, path) => {
    it('runs the tool loop and answers with a normal chat completion', async () => {
      llm.script([
        { text: 'Checking.', calls: [{ name: 'echo', arguments: { message: 'ping' } }, { name: 'get-sum', arguments: { a: 20, b: 22 } }] },
        { text: 'The answer is 42.', usage: { input: 20, output: 8 } },
      ]);
      const completion = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'sum' }], tools: [everything] });
      expect(completion.object).toBe('chat.completion');
      expect(completion.choices[0].finish_reason).toBe('stop');
      expect(completion.choices[0].message.content).toBe('Checking.\n\nThe answer is 42.');
      expect(completion.choices[0].message.tool_calls).toBeUndefined();
      expect(completion.usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 13, total_tokens: 43 });
      expect(llm.calls.map((request) => request.path)).toEqual([path, path]);
      expect(offeredTools(llm.calls[0])).toEqual(expect.arrayContaining(['echo', 'get-sum']));
      expect(Object.values(toolOutputs(llm.calls[1]))).toEqual(['Echo: ping', 'The sum of 20 and 22 is 42.']);
    });

    it('streams the loop as chat chunks (SDK stream helper parses it)', async () => {
      llm.script([{ calls: [{ name: 'echo', arguments: { message: 'stream' } }] }, { text: 'Echoed: stream', usage: { input: 3, output: 3 } }]);
      const stream = openai.chat.completions.stream({ model, messages: [{ role: 'user', content: 'go' }], tools: [everything], stream_options: { include_usage: true } });
      const chunks: any[] = [];
      stream.on('chunk', (chunk) => chunks.push(chunk));
      const final = await stream.finalChatCompletion();
      expect(final.choices[0].message.content).toBe('Echoed: stream');
      expect(final.choices[0].finish_reason).toBe('stop');
      expect(chunks[0].choices[0].delta.role).toBe('assistant');
      expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
      expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 13, completion_tokens: 8 } });
    });
  });

  it("returns the caller's own function calls (tool_calls), then continues when given their results", async () => {
    const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
    llm.script([{ calls: [{ name: 'get_weather', arguments: { city: 'Oslo' }, id: 'call_w' }] }, { text: 'Cold in Oslo.' }]);
    const messages: any[] = [{ role: 'user', content: 'weather in Oslo?' }];
    const first = await openai.chat.completions.create({ model: MODELS.chat, messages, tools: [everything, weather] as any });
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(first.choices[0].message.tool_calls).toEqual([{ id: 'call_w', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }]);
    expect(llm.calls).toHaveLength(1);
    messages.push(first.choices[0].message, { role: 'tool', tool_call_id: 'call_w', content: '-5 C' });
    const second = await openai.chat.completions.create({ model: MODELS.chat, messages, tools: [everything, weather] as any });
    expect(second.choices[0].message.content).toBe('Cold in Oslo.');
    expect(toolOutputs(llm.calls[1])).toEqual({ call_w: '-5 C' });
    expect(llm.calls[1].body.messages.map((message: any) => message.role)).toEqual(['user', 'assistant', 'tool']);
  });

  it('passes a chat-form tool_choice to the upstream for the first round only', async () => {
    llm.script([{ calls: [{ name: 'echo', arguments: { message: 'forced' } }] }, { text: 'ok' }]);
    await openai.chat.completions.create({ model: MODELS.chat, messages: [{ role: 'user', content: 'x' }], tools: [everything], tool_choice: { type: 'function', function: { name: 'echo' } } });
    expect(llm.calls.map((request) => request.body.tool_choice)).toEqual([{ type: 'function', function: { name: 'echo' } }, 'auto']);
  });

  it('GET /v1/models lists the served models, filtered by a key; a key may not use other models (403)', async () => {
    const all = await openai.models.list();
    expect(all.data.map((entry) => entry.id).sort()).toEqual(['gpt-5', MODELS.chat, MODELS.responses].sort());
    expect(all.data.find((entry) => entry.id === 'gpt-5')).toMatchObject({ object: 'model', owned_by: 'scripted_chat' });
    const key = await makeKey({ name: 'gpt5-only', models: ['gpt-5'] });
    const scoped = new OpenAI({ apiKey: key, baseURL: gw.url, maxRetries: 0 });
    expect((await scoped.models.list()).data.map((entry) => entry.id)).toEqual(['gpt-5']);

    llm.script([{ text: 'allowed' }]);
    expect((await scoped.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'x' }] })).choices[0].message.content).toBe('allowed');
    for (const call of [
      () => scoped.chat.completions.create({ model: MODELS.chat, messages: [{ role: 'user', content: 'x' }] }),
      () => scoped.responses.create({ model: MODELS.responses, input: 'x' }),
    ]) {
      const error = await call().catch((caught) => caught);
      expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect(error.status).toBe(403);
      expect(error.error).toMatchObject({ type: 'permission_error', code: 'model_not_allowed' });
    }
    expect(llm.calls).toHaveLength(1);
  });

  it("limits MCP tools to a key's servers", async () => {
    const key = await makeKey({ name: 'fixture-only', servers: ['fixture'] });
    const scoped = new OpenAI({ apiKey: key, baseURL: gw.url, maxRetries: 0 });
    llm.script([{ text: 'fine' }]);
    await scoped.chat.completions.create({ model: MODELS.chat, messages: [{ role: 'user', content: 'x' }], tools: [{ ...everything, server_url: 'litellm_proxy' }] });
    const offered = offeredTools(llm.calls[0]);
    expect(offered.length).toBeGreaterThan(3);
    expect(offered.every((name) => name.startsWith('fixture-'))).toBe(true);
    const refused = await scoped.chat.completions.create({ model: MODELS.chat, messages: [{ role: 'user', content: 'x' }], tools: [everything] }).catch((caught) => caught);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused.message).toMatch(/may not use server everything/);
  });

  it('tests a provider: its models, or why it cannot be reached', async () => {
    const providers = (await gw.api('GET', '/api/providers')).body as any[];
    expect(JSON.stringify(providers)).not.toContain(UPSTREAM_KEY);
    const chat = providers.find((provider) => provider.name === 'scripted_chat');
    expect(chat).toMatchObject({ api: 'chat', hasApiKey: true, aliases: { 'gpt-5': MODELS.chat } });
    const tested = await gw.api('POST', `/api/providers/${chat.id}/test`);
    expect(tested.body).toEqual({ ok: true, models: ['scripted-model'] });
    expect(llm.requests.at(-1)).toMatchObject({ method: 'GET', path: '/models' });
    const dead = await gw.api('POST', '/api/providers', { name: 'dead', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-dead-secret-123456789', models: ['dead-model'] });
    const failed = await gw.api('POST', `/api/providers/${dead.body.id}/test`);
    expect(failed.body).toMatchObject({ ok: false, error: expect.stringMatching(/cannot reach dead/) });
    const unreachable = await openai.chat.completions.create({ model: 'dead-model', messages: [{ role: 'user', content: 'x' }] }).catch((caught) => caught);
    expect(unreachable.status).toBe(502);
    expect(unreachable.message).not.toContain('sk-dead-secret');
    await gw.api('DELETE', `/api/providers/${dead.body.id}`);
  });

  it('logs the MCP calls of the loop with surface "chat" and records usage for both kinds of request', async () => {
    const logs = (await gw.api('GET', '/api/logs?server=everything&limit=100')).body as any[];
    expect(logs.find((entry) => entry.arguments?.message === 'ping')).toMatchObject({ surface: 'chat', tool: 'echo', key: 'master', isError: false });
    expect(logs.every((entry) => entry.surface === 'chat')).toBe(true);
    const usage = (await gw.api('GET', '/api/usage?limit=100')).body;
    const rows = usage.recent.filter((row: any) => row.surface === 'chat');
    expect(rows.some((row: any) => row.input_tokens === 4 && row.output_tokens === 2 && row.model === MODELS.chat)).toBe(true);
    expect(rows.some((row: any) => row.total_tokens === 43 && row.provider === 'scripted_responses')).toBe(true);
    expect(usage.recent.every((row: any) => row.surface === 'chat')).toBe(true);
  });
});
