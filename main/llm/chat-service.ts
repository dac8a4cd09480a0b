import { setMaxListeners } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../shared/types';
import { BadLlmRequest, readChatMessages, readFunctionTools } from './conversation';
import { chatFrame, HeldEventStream } from './event-stream';
import { V1Error } from './llm-errors';
import { McpToolError, resolveMcpTools } from './mcp-tools';
import { fromChatUsage, toUpstreamError, UpstreamError, withIdleTimeout } from './model-client';
import { endpoint, type ResolvedModel } from './provider-registry';
import { newId, ResponseBuilder } from './response-builder';
import { NO_USAGE } from './types';
import { requireModel, type LlmDeps } from './responses-service';

const IGNORED_FIELDS = ['api_base', 'base_url', 'api_key', 'api_version', 'custom_llm_provider'];

/**
 * `POST /v1/chat/completions`: a plain proxy to the provider, or, with `{"type":"mcp"}` tools,
 * the same tool loop as `/v1/responses`, answered as a normal chat completion.
 */
export class ChatService {
  constructor(private readonly deps: LlmDeps) {}

  async create(req: IncomingMessage, res: ServerResponse, principal: Principal, body: Record<string, unknown>): Promise<void> {
    for (const field of IGNORED_FIELDS) delete body[field];
    const model = requireModel(this.deps.providers, principal, body.model);
    const tools = Array.isArray(body.tools) ? (body.tools as Array<Record<string, unknown>>) : [];
    const controller = new AbortController();
    // Each MCP call of the loop listens on this signal until the response ends.
    setMaxListeners(0, controller.signal);
    res.once('close', () => !res.writableFinished && controller.abort(new Error('the client went away')));
    if (!tools.some((tool) => tool.type === 'mcp')) return this.proxy(res, principal, body, model, controller.signal);
    return this.loop(res, principal, body, model, tools, controller.signal);
  }

  private async proxy(res: ServerResponse, principal: Principal, body: Record<string, unknown>, model: ResolvedModel, signal: AbortSignal): Promise<void> {
    const params: Record<string, unknown> = { ...body, model: model.served };
    const streaming = body.stream === true;
    if (streaming) params.stream_options = { ...(body.stream_options as object), include_usage: true };
    const upstream = endpoint(model.provider);
    const stream = streaming ? new HeldEventStream(res, chatFrame) : null;
    const wantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    let usage: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | undefined;
    let id: string | null = null;
    let result: unknown;
    try {
      await withIdleTimeout(upstream, signal, async (timed, touch) => {
        result = await model.client.chat.completions.create(params as never, { signal: timed });
        if (!stream) return;
        for await (const chunk of result as AsyncIterable<Record<string, unknown>>) {
          touch();
          stream.open();
          id ??= (chunk.id as string) ?? null;
          if (chunk.usage) usage = chunk.usage as typeof usage;
          // The usage-only chunk we asked for goes out only if the caller asked for it too.
          if (!wantsUsage && Array.isArray(chunk.choices) && !chunk.choices.length && chunk.usage) continue;
          stream.push({ ...chunk, model: String(body.model) });
        }
      });
    } catch (error) {
      if (signal.aborted) return void res.destroy();
      const failure = toUpstreamError(error, upstream);
      if (!stream?.opened) throw asV1(failure);
      stream.push({ error: { message: failure.message, type: failure.type, code: failure.code } });
    }
    if (!stream) {
      const completion = result as { usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number }; id?: string };
      const json = JSON.stringify({ ...(result as object), model: String(body.model) });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      res.end(json);
      return this.recordAfter(principal, model, completion.id ?? null, completion.usage);
    }
    stream.end('data: [DONE]\n\n');
    this.recordAfter(principal, model, id, usage);
  }

  /** Records usage once the answer is out; a failure is logged, the client already has its answer. */
  private recordAfter(principal: Principal, model: ResolvedModel, requestId: string | null, usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number }): void {
    try {
      this.record(principal, model, requestId, usage);
    } catch (error) {
      this.deps.log(`recording usage of ${requestId ?? 'a request'} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async loop(
    res: ServerResponse,
    principal: Principal,
    body: Record<string, unknown>,
    model: ResolvedModel,
    tools: Array<Record<string, unknown>>,
    signal: AbortSignal,
  ): Promise<void> {
    let toolset;
    let items;
    try {
      toolset = resolveMcpTools(tools.filter((tool) => tool.type === 'mcp'), this.deps.catalog, principal);
      items = readChatMessages(body.messages);
    } catch (error) {
      if (error instanceof BadLlmRequest || error instanceof McpToolError) throw new V1Error(400, error.message, 'invalid_request_error', null);
      throw error;
    }
    if (toolset.groups.some((group) => group.tools.some((tool) => group.approval(tool)))) {
      // A chat completion cannot carry mcp_approval_request items: say so rather than drop the calls.
      throw new V1Error(400, 'require_approval is supported on /v1/responses only; use "require_approval": "never" here', 'invalid_request_error', null, 'tools');
    }
    const userFunctions = readFunctionTools(tools.filter((tool) => tool.type === 'function'));
    const id = `chatcmpl-${newId('x').slice(2)}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model: String(body.model),
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const stream = body.stream === true ? new HeldEventStream(res, chatFrame) : null;
    let sentRole = false;
    let textIndex = -1;
    const builder = new ResponseBuilder({ model: String(body.model) }, (event) => {
      if (!stream || event.type !== 'response.output_text.delta') return;
      if (!sentRole) (stream.push(chunk({ role: 'assistant', content: '' })), (sentRole = true));
      // Text of a later round starts a new paragraph, as in the non-streamed answer.
      if (textIndex !== -1 && event.output_index !== textIndex) stream.push(chunk({ content: '\n\n' }));
      textIndex = event.output_index as number;
      stream.push(chunk({ content: event.delta }));
    });
    const keyName = principal.kind === 'master' ? 'master' : principal.key.name;
    let outcome;
    let spent = NO_USAGE;
    try {
      outcome = await this.deps.loop.run(
        {
          client: model.client,
          provider: endpoint(model.provider),
          model: model.served,
          items,
          toolset,
          userFunctions,
          toolChoice: chatToolChoice(body.tool_choice),
          temperature: typeof body.temperature === 'number' ? body.temperature : undefined,
          maxOutputTokens: typeof body.max_tokens === 'number' ? body.max_tokens : typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : undefined,
          parallelToolCalls: typeof body.parallel_tool_calls === 'boolean' ? body.parallel_tool_calls : undefined,
          approvals: [],
          listTools: false,
          surface: 'chat',
          keyName,
          signal,
          onModelOutput: () => stream?.open(),
          onUsage: (usage) => (spent = usage),
        },
        builder,
      );
    } catch (error) {
      // Rounds that did finish were paid for, whatever happened next.
      if (spent.total_tokens) this.record(principal, model, id, { prompt_tokens: spent.input_tokens, completion_tokens: spent.output_tokens, total_tokens: spent.total_tokens });
      if (signal.aborted) return void res.destroy();
      if (!(error instanceof UpstreamError)) this.deps.log(`/v1/chat/completions failed: ${error instanceof Error ? error.stack : String(error)}`);
      const upstream = error instanceof UpstreamError ? error : new UpstreamError(500, 'internal error; see the Gatehouse log', 'server_error', null);
      if (!stream?.opened) throw asV1(upstream);
      stream.push({ error: { message: upstream.message, type: upstream.type, code: upstream.code } });
      return stream.end('data: [DONE]\n\n');
    }
    const text = builder.response.output
      .filter((item) => item.type === 'message')
      .map((item) => ((item.content as Array<{ text: string }>) ?? []).map((part) => part.text).join(''))
      .join('\n\n');
    const calls = builder.response.output
      .filter((item) => item.type === 'function_call')
      .map((item) => ({ id: String(item.call_id), type: 'function', function: { name: String(item.name), arguments: String(item.arguments) } }));
    const finish = calls.length ? 'tool_calls' : outcome.failure ? 'length' : 'stop';
    const usage = { prompt_tokens: outcome.usage.input_tokens, completion_tokens: outcome.usage.output_tokens, total_tokens: outcome.usage.total_tokens };
    if (stream) {
      if (calls.length) stream.push(chunk({ tool_calls: calls.map((call, index) => ({ index, ...call })) }));
      stream.push(chunk({}, finish));
      if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) stream.push({ ...chunk({}), choices: [], usage });
      stream.end('data: [DONE]\n\n');
    } else {
      const message: Record<string, unknown> = { role: 'assistant', content: text || (calls.length ? null : ''), refusal: null };
      if (calls.length) message.tool_calls = calls;
      const json = JSON.stringify({ id, object: 'chat.completion', created, model: String(body.model), choices: [{ index: 0, message, finish_reason: finish, logprobs: null }], usage });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      res.end(json);
    }
    this.recordAfter(principal, model, id, usage);
  }

  private record(principal: Principal, model: ResolvedModel, requestId: string | null, usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number }): void {
    const tokens = fromChatUsage(usage ?? {});
    this.deps.usage.record({
      keyId: principal.kind === 'virtual' ? principal.key.id : null,
      keyName: principal.kind === 'master' ? 'master' : principal.key.name,
      surface: 'chat',
      provider: model.provider.name,
      model: model.served,
      requestId,
      inputTokens: tokens.input_tokens,
      outputTokens: tokens.output_tokens,
      totalTokens: tokens.total_tokens,
    });
  }
}

function asV1(error: UpstreamError): V1Error {
  return new V1Error(error.status, error.message, error.type, error.code);
}

/** Chat `tool_choice` in the Responses form the loop takes. */
function chatToolChoice(choice: unknown): unknown {
  const value = choice as { type?: string; function?: { name?: string } } | undefined;
  if (value && typeof value === 'object' && value.type === 'function' && value.function?.name) return { type: 'function', name: value.function.name };
  return choice;
}
