import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SERVER, startGateway, waitFor, type TestGateway } from '../helpers/gateway';
import { ScriptedLlm, MODELS, UPSTREAM_KEY, addScriptedProviders, checkLifecycle, type Turn } from '../fixtures/scripted-llm';

/** The model timeout of this gateway (GATEHOUSE_MODEL_TIMEOUT_MS), short so a timeout can be seen. */
const TIMEOUT_MS = 1_500;

// Failures on the /v1 surface: upstream errors before and after the stream opened, timeouts,
// clients that go away mid-stream, bad requests. The upstream is ScriptedLlm, a scripted
// stand-in for a model on 127.0.0.1 (no real model can be reached here).
describe('/v1 failures (scripted stand-in model)', () => {
  let gw: TestGateway;
  let llm: ScriptedLlm;
  let openai: OpenAI;
  let markerDir: string;
  let marker: string;

  beforeAll(async () => {
    process.env.GATEHOUSE_MODEL_TIMEOUT_MS = String(TIMEOUT_MS);
    markerDir = mkdtempSync(join(tmpdir(), 'gatehouse-v1-'));
    marker = join(markerDir, 'events.log');
    llm = await new ScriptedLlm().start();
    gw = await startGateway();
    await gw.addServer({ name: 'fixture', command: process.execPath, args: [TEST_SERVER, '--marker', marker] });
    await addScriptedProviders(gw.api, llm);
    openai = new OpenAI({ apiKey: gw.masterKey, baseURL: gw.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.stop();
    await llm?.stop();
    rmSync(markerDir, { recursive: true, force: true });
    delete process.env.GATEHOUSE_MODEL_TIMEOUT_MS;
  });

  const fixture: any = { type: 'mcp', server_label: 'fixture', server_url: 'litellm_proxy/mcp/fixture', require_approval: 'never' };
  const user = [{ role: 'user' as const, content: 'x' }];
  const drain = async (stream: AsyncIterable<any>) => {
    const events: any[] = [];
    for await (const event of stream) events.push(event);
    return events;
  };
  const markerLines = () => {
    try {
      return readFileSync(marker, 'utf8').split('\n');
    } catch {
      return [];
    }
  };
  /** Each way a request reaches the upstream before anything was streamed to the client. */
  const surfaces: Array<[string, () => Promise<unknown>]> = [
    ['responses plain', () => openai.responses.create({ model: MODELS.responses, input: 'x' })],
    ['responses streamed', async () => drain(await openai.responses.create({ model: MODELS.chat, input: 'x', tools: [fixture], stream: true }))],
    ['chat proxy plain', () => openai.chat.completions.create({ model: MODELS.chat, messages: user })],
    ['chat proxy streamed', async () => drain(await openai.chat.completions.create({ model: MODELS.chat, messages: user, stream: true }))],
    ['chat loop streamed', async () => drain(await openai.chat.completions.create({ model: MODELS.responses, messages: user, tools: [fixture], stream: true }))],
  ];
  const statuses: Array<[number, typeof OpenAI.APIError]> = [
    [401, OpenAI.AuthenticationError],
    [404, OpenAI.NotFoundError],
    [429, OpenAI.RateLimitError],
    [500, OpenAI.InternalServerError],
  ];

  describe.each(surfaces)('%s', (_surface, call) => {
    it.each(statuses)('an upstream %i before streaming is a real HTTP error, without the upstream key', async (status, errorClass) => {
      const turn: Turn = { status, errorMessage: `upstream says no (key ${UPSTREAM_KEY})` };
      llm.script([turn]);
      const error: any = await call().catch((caught) => caught);
      expect(error).toBeInstanceOf(errorClass);
      expect(error.status).toBe(status);
      expect(error.message).toMatch(/upstream says no/);
      expect(JSON.stringify(error.error) + error.message).not.toContain(UPSTREAM_KEY);
      expect(error.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
      expect(llm.calls).toHaveLength(1);
    });
  });

  it('answers an unknown model with 404 model_not_found, without asking any upstream', async () => {
    llm.script([]);
    for (const call of [
      () => openai.responses.create({ model: 'no-such-model', input: 'x' }),
      () => openai.chat.completions.create({ model: 'no-such-model', messages: user }),
    ]) {
      const error: any = await call().catch((caught) => caught);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(error.error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found', param: 'model' });
    }
    expect(llm.requests).toHaveLength(0);
  });

  it('times out an upstream that does not answer (504) and aborts its request', async () => {
    llm.script([{ delayMs: 30_000, text: 'too late' }, { delayMs: 30_000, text: 'too late' }]);
    const started = Date.now();
    for (const call of [() => openai.responses.create({ model: MODELS.responses, input: 'x' }), () => openai.chat.completions.create({ model: MODELS.chat, messages: user })]) {
      const error: any = await call().catch((caught) => caught);
      expect(error.status).toBe(504);
      expect(error.error).toMatchObject({ type: 'timeout', code: 'upstream_timeout' });
    }
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 2 + 2_000);
    await waitFor(() => llm.calls.every((request) => request.aborted), 2_000, 'the upstream requests to be aborted');
  });

  it('times out an upstream that stalls mid-stream: the open stream ends with response.failed', async () => {
    llm.script([{ text: 'first second third', stallAfter: 1 }]);
    const events = await drain(await openai.responses.create({ model: MODELS.responses, input: 'x', stream: true }));
    const final = checkLifecycle(events, 'response.failed');
    expect(final.error).toMatchObject({ code: 'upstream_timeout' });
    expect(events.find((event) => event.type === 'response.output_text.delta').delta).toBe('first ');
    await waitFor(() => llm.calls[0].aborted, 2_000, 'the upstream request to be aborted');

    llm.script([{ text: 'first second third', stallAfter: 1 }]);
    const error: any = await drain(await openai.chat.completions.create({ model: MODELS.chat, messages: user, stream: true })).catch((caught) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.message).toMatch(/did not answer in time/);
  });

  it('aborts the upstream request when the client disconnects mid-stream', async () => {
    for (const [model, surface] of [[MODELS.responses, 'responses'], [MODELS.chat, 'chat']] as const) {
      llm.script([{ text: 'a b c d e f', stallAfter: 2 }]);
      const controller = new AbortController();
      const stream =
        surface === 'responses'
          ? await openai.responses.create({ model, input: 'x', stream: true }, { signal: controller.signal })
          : await openai.chat.completions.create({ model, messages: user, stream: true }, { signal: controller.signal });
      for await (const event of stream as AsyncIterable<any>) {
        if (event.type === 'response.output_text.delta' || event.choices?.[0]?.delta?.content) break;
      }
      controller.abort();
      // Well before the model timeout: the disconnect, not the timeout, ended it.
      await waitFor(() => llm.calls[0].aborted, TIMEOUT_MS / 2, `the ${surface} upstream request to be aborted`);
    }
    expect(llm.open).toEqual([]);
  });

  it('cancels a running MCP call when the client disconnects, and asks the model nothing more', async () => {
    for (const surface of ['responses', 'chat'] as const) {
      llm.script([{ calls: [{ name: 'slow', arguments: { ms: 20_000 } }] }], { text: 'should never be asked' });
      const before = markerLines().filter((line) => line === 'slow-cancelled').length;
      const controller = new AbortController();
      const body =
        surface === 'responses'
          ? { model: MODELS.chat, input: 'x', tools: [fixture], stream: true }
          : { model: MODELS.responses, messages: user, tools: [fixture] };
      const request = fetch(`${gw.url}/v1/${surface === 'responses' ? 'responses' : 'chat/completions'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.masterKey}` },
        body: JSON.stringify(body),
        signal: controller.signal,
      }).then((res) => res.text());
      request.catch(() => undefined);
      await waitFor(() => markerLines().filter((line) => line === 'slow-start').length > before, 5_000, 'the slow call to start');
      controller.abort();
      await expect(request).rejects.toThrow();
      await waitFor(() => markerLines().filter((line) => line === 'slow-cancelled').length > before, 5_000, 'the slow call to be cancelled');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(llm.calls).toHaveLength(1);
      expect(llm.open).toEqual([]);
      const [entry] = (await gw.api('GET', '/api/logs?tool=slow&limit=1')).body;
      expect(entry).toMatchObject({ surface, isError: true });
    }
  });

  it('fails after tool calls ran: no retry for a plain request, response.failed for an open stream', async () => {
    const script = (): Turn[] => [{ calls: [{ name: 'echo', arguments: { text: 'ran' } }] }, { status: 500, errorMessage: `boom ${UPSTREAM_KEY}` }];
    llm.script(script());
    const error: any = await openai.responses.create({ model: MODELS.chat, input: 'x', tools: [fixture] }).catch((caught) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.headers.get('x-should-retry')).toBe('false');

    llm.script(script());
    const events = await drain(await openai.responses.create({ model: MODELS.responses, input: 'x', tools: [fixture], stream: true }));
    const final = checkLifecycle(events, 'response.failed');
    expect(final.output.map((item: any) => item.type)).toEqual(['mcp_list_tools', 'mcp_call']);
    expect(final.error.message).toMatch(/boom/);
    // The round that did finish was paid for: it is in the usage, on the response and recorded.
    expect(final.usage.total_tokens).toBe(15);
    expect((await gw.api('GET', '/api/usage?limit=1')).body.recent[0]).toMatchObject({ surface: 'responses', request_id: final.id, total_tokens: 15 });
    expect(JSON.stringify(events)).not.toContain(UPSTREAM_KEY);

    llm.script(script());
    const chatError: any = await drain(await openai.chat.completions.create({ model: MODELS.chat, messages: user, tools: [fixture], stream: true })).catch((caught) => caught);
    expect(chatError).toBeInstanceOf(OpenAI.APIError);
    expect(chatError.message).toMatch(/boom/);
    expect(chatError.message).not.toContain(UPSTREAM_KEY);
  });

  it('refuses bad requests in OpenAI error shape', async () => {
    llm.script([]);
    const post = (path: string, body: unknown, key = gw.masterKey) => gw.api('POST', path, body, key);
    const cases: Array<[Promise<{ status: number; body: any }>, number, RegExp]> = [
      [post('/v1/responses', { model: MODELS.chat, input: 'x', tools: [{ ...fixture, server_url: 'https://example.com/mcp' }] }), 400, /server_url/],
      [post('/v1/responses', { model: MODELS.chat, input: 'x', tools: [{ ...fixture, server_url: 'litellm_proxy/mcp/nope' }] }), 400, /no MCP server named nope/],
      [post('/v1/responses', { model: MODELS.chat, input: 'x', tools: [{ ...fixture, require_approval: 'sometimes' }] }), 400, /require_approval/],
      [post('/v1/responses', { model: MODELS.chat, input: 'x', previous_response_id: 'resp_missing' }), 404, /resp_missing/],
      [post('/v1/responses', { model: MODELS.chat, input: [{ type: 'mcp_approval_response', approval_request_id: 'mcpr_x', approve: true }] }), 400, /approval_request_id/],
      [post('/v1/responses', { input: 'x' }), 400, /model is required/],
      [post('/v1/chat/completions', { model: MODELS.chat, messages: [], tools: [fixture] }), 400, /messages/],
      [post('/v1/responses', { model: MODELS.chat, input: 'x' }, 'sk-not-a-key'), 401, /invalid/],
      [gw.api('GET', '/v1/nothing-here'), 404, /Unknown route/],
    ];
    llm.script([{ calls: [{ name: 'echo', arguments: { text: 'a' } }] }]);
    const asking = await openai.responses.create({ model: MODELS.chat, input: 'x', tools: [{ ...fixture, require_approval: 'always' }] });
    const approval = { type: 'mcp_approval_response', approval_request_id: asking.output[1].id, approve: true };
    cases.push(
      [post('/v1/responses', { model: MODELS.chat, previous_response_id: asking.id, input: [approval] }), 400, /not among this request's mcp tools/],
      [post('/v1/chat/completions', { model: MODELS.chat, messages: user, tools: [{ ...fixture, require_approval: 'always' }] }), 400, /require_approval/],
    );
    for (const [pending, status, message] of cases) {
      const { status: got, body } = await pending;
      expect([got, body.error?.message]).toEqual([status, expect.stringMatching(message)]);
      expect(body.error.type).toEqual(expect.any(String));
      expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|\.ts:\d+/);
    }
    const bad = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${gw.masterKey}`, 'content-type': 'application/json' }, body: '{"model":' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.type).toBe('invalid_request_error');
    expect(llm.requests).toHaveLength(1);
  });
});
