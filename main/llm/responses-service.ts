import { setMaxListeners } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../shared/types';
import type { Catalog } from '../mcp/catalog';
import type { ResponseRepository } from '../store/response-repository';
import type { UsageRepository } from '../store/usage-repository';
import { BadLlmRequest, readFunctionTools, readResponsesInput } from './conversation';
import { HeldEventStream, responsesFrame } from './event-stream';
import { V1Error } from './llm-errors';
import { McpToolError, resolveMcpTools } from './mcp-tools';
import { UpstreamError } from './model-client';
import type { ProviderRegistry, ResolvedModel } from './provider-registry';
import { ResponseBuilder } from './response-builder';
import type { ToolLoop } from './tool-loop';
import { NO_USAGE, type ConversationItem, type Usage } from './types';

/** Fields a client may send that must never choose the upstream (LiteLLM-style overrides). */
const IGNORED_FIELDS = ['api_base', 'base_url', 'api_key', 'api_version', 'custom_llm_provider'];

/** What the `/v1` services share. */
export interface LlmDeps {
  providers: ProviderRegistry;
  catalog: Catalog;
  loop: ToolLoop;
  responses: ResponseRepository;
  usage: UsageRepository;
  /** Where unexpected failures are written (never to the client). */
  log: (message: string) => void;
}

/** `POST /v1/responses` and `GET /v1/responses/{id}`. */
export class ResponsesService {
  constructor(private readonly deps: LlmDeps) {}

  /** Runs one request, answering with JSON or an SSE stream. */
  async create(req: IncomingMessage, res: ServerResponse, principal: Principal, body: Record<string, unknown>): Promise<void> {
    for (const field of IGNORED_FIELDS) delete body[field];
    const model = requireModel(this.deps.providers, principal, body.model);
    const previous = typeof body.previous_response_id === 'string' ? this.loadPrevious(body.previous_response_id, principal) : null;
    let input: ReturnType<typeof readResponsesInput>;
    let toolset: ReturnType<typeof resolveMcpTools>;
    const tools = Array.isArray(body.tools) ? (body.tools as Array<Record<string, unknown>>) : [];
    try {
      input = readResponsesInput(body.input ?? []);
      toolset = resolveMcpTools(tools.filter((tool) => tool.type === 'mcp'), this.deps.catalog, principal);
    } catch (error) {
      if (error instanceof BadLlmRequest || error instanceof McpToolError) throw new V1Error(400, error.message, 'invalid_request_error', null, (error as BadLlmRequest).param ?? 'tools');
      throw error;
    }
    const userFunctions = readFunctionTools(tools.filter((tool) => tool.type === 'function'));
    const approvals = input.approvals.map((answer) => {
      const request = previous?.pendingApprovals[answer.approval_request_id];
      if (!request) throw new V1Error(400, `unknown approval_request_id ${answer.approval_request_id}; send previous_response_id of the response that asked`, 'invalid_request_error', null, 'input');
      if (!toolset.byFunction.has(request.name)) {
        throw new V1Error(400, `the approved call ${request.name} is not among this request's mcp tools; send the same tools as the request that asked`, 'invalid_request_error', null, 'tools');
      }
      return { request: { ...request, id: answer.approval_request_id }, approve: answer.approve };
    });
    const stream = body.stream === true ? new HeldEventStream(res, responsesFrame) : null;
    const builder = new ResponseBuilder(
      {
        model: String(body.model),
        instructions: typeof body.instructions === 'string' ? body.instructions : null,
        temperature: typeof body.temperature === 'number' ? body.temperature : null,
        max_output_tokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null,
        max_tool_calls: typeof body.max_tool_calls === 'number' ? body.max_tool_calls : null,
        metadata: (body.metadata as Record<string, string>) ?? null,
        previous_response_id: previous?.id ?? null,
        tool_choice: body.tool_choice,
        tools,
        parallel_tool_calls: typeof body.parallel_tool_calls === 'boolean' ? body.parallel_tool_calls : true,
        store: body.store !== false,
      },
      stream ? (event) => stream.push(event) : undefined,
    );
    const controller = new AbortController();
    // Each MCP call of the loop listens on this signal until the response ends.
    setMaxListeners(0, controller.signal);
    res.once('close', () => !res.writableFinished && controller.abort(new Error('the client went away')));
    builder.start();
    const keyName = principal.kind === 'master' ? 'master' : principal.key.name;
    const instructions = typeof body.instructions === 'string' ? body.instructions : (previous?.instructions ?? undefined);
    let outcome;
    let spent = NO_USAGE;
    const recordUsage = (usage: Usage) =>
      this.deps.usage.record({
        keyId: principal.kind === 'virtual' ? principal.key.id : null,
        keyName,
        surface: 'responses',
        provider: model.provider.name,
        model: model.served,
        requestId: builder.response.id,
        inputTokens: usage.input_tokens,
        outputTokens: usage.output_tokens,
        totalTokens: usage.total_tokens,
      });
    try {
      outcome = await this.deps.loop.run(
        {
          client: model.client,
          provider: { name: model.provider.name, baseUrl: model.provider.baseUrl, apiKey: model.provider.apiKey, api: model.provider.api },
          model: model.served,
          instructions,
          items: [...((previous?.conversation as ConversationItem[]) ?? []), ...input.items],
          toolset,
          userFunctions,
          toolChoice: body.tool_choice,
          temperature: typeof body.temperature === 'number' ? body.temperature : undefined,
          maxOutputTokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : undefined,
          maxToolCalls: typeof body.max_tool_calls === 'number' ? body.max_tool_calls : undefined,
          parallelToolCalls: typeof body.parallel_tool_calls === 'boolean' ? body.parallel_tool_calls : undefined,
          approvals,
          listTools: !previous,
          surface: 'responses',
          keyName,
          signal: controller.signal,
          onModelOutput: () => stream?.open(),
          onUsage: (usage) => (spent = usage),
        },
        builder,
      );
    } catch (error) {
      // Rounds that did finish were paid for, whatever happened next.
      if (spent.total_tokens) recordUsage(spent);
      if (controller.signal.aborted) return void res.destroy();
      if (!(error instanceof UpstreamError)) this.deps.log(`/v1/responses failed: ${error instanceof Error ? error.stack : String(error)}`);
      const upstream = error instanceof UpstreamError ? error : new UpstreamError(500, 'internal error; see the Gatehouse log', 'server_error', null);
      if (!stream || !stream.opened) {
        // Tool calls may already have run: tell the SDK not to retry the whole request.
        if (builder.response.output.some((item) => item.type === 'mcp_call')) res.setHeader('x-should-retry', 'false');
        throw new V1Error(upstream.status, upstream.message, upstream.type, upstream.code);
      }
      const failed = builder.fail(upstream.message, upstream.code ?? 'server_error', spent);
      // The client already has this id: GET /v1/responses/{id} must find it.
      if (body.store !== false) this.save(builder.response.id, principal, String(body.model), failed, [], {}, instructions);
      return stream.end();
    }
    const final = outcome.failure ? builder.fail(outcome.failure.message, outcome.failure.code, outcome.usage) : builder.complete(outcome.usage);
    // The answer goes out first and is written to SQLite right after, in the same turn of the
    // event loop: no request (a GET of this id, a previous_response_id) can come in between,
    // and the client does not wait for the disk.
    if (stream) stream.end();
    else {
      const json = JSON.stringify(final);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      res.end(json);
    }
    try {
      recordUsage(outcome.usage);
      if (body.store !== false) {
        this.save(builder.response.id, principal, String(body.model), final, outcome.conversation, outcome.pendingApprovals, instructions);
      }
    } catch (error) {
      this.deps.log(`storing response ${builder.response.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private save(
    id: string,
    principal: Principal,
    model: string,
    response: Record<string, unknown>,
    conversation: unknown[],
    pendingApprovals: Record<string, { call_id: string; name: string; arguments: string }>,
    instructions: string | undefined,
  ): void {
    this.deps.responses.save({
      id,
      keyId: principal.kind === 'virtual' ? principal.key.id : null,
      model,
      response,
      conversation,
      pendingApprovals,
      instructions: instructions ?? null,
    });
  }

  /** A stored response, for the key that made it (or the master key). */
  get(id: string, principal: Principal): Record<string, unknown> {
    return this.loadPrevious(id, principal).response;
  }

  private loadPrevious(id: string, principal: Principal) {
    const stored = this.deps.responses.get(id);
    const mine = stored && (principal.kind === 'master' || stored.keyId === principal.key.id);
    if (!stored || !mine) throw new V1Error(404, `No response found with id '${id}'.`, 'invalid_request_error', 'not_found', 'previous_response_id');
    return stored;
  }
}

/** Checks the key may use `model` and finds its provider. */
export function requireModel(providers: ProviderRegistry, principal: Principal, model: unknown): ResolvedModel {
  if (typeof model !== 'string' || !model) throw new V1Error(400, 'model is required', 'invalid_request_error', null, 'model');
  if (principal.kind === 'virtual' && principal.key.models && !principal.key.models.includes(model)) {
    throw new V1Error(403, `this key may not use model ${model}`, 'permission_error', 'model_not_allowed', 'model');
  }
  const resolved = providers.resolve(model);
  if (!resolved) {
    throw new V1Error(404, `The model '${model}' does not exist or is not served by any provider; add it under Providers.`, 'invalid_request_error', 'model_not_found', 'model');
  }
  return resolved;
}
