import type OpenAI from 'openai';

/** The openai package, loaded on the first model call rather than at start-up (~30 ms). */
function openai(): typeof OpenAI {
  return (require('openai') as { default: typeof OpenAI }).default;
}
import { redactText } from '../../shared/redact';
import { nodeFetch } from './node-fetch';
import type { ConversationItem, FunctionTool, ModelRequest, ModelTurn, Usage } from './types';

/** An upstream (provider) failure, kept in OpenAI's error shape and with the upstream status. */
export class UpstreamError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/** How Gatehouse reaches one provider: the openai SDK against its base URL. */
export interface ProviderEndpoint {
  name: string;
  baseUrl: string;
  apiKey: string;
  api: 'chat' | 'responses';
}

/** Longest a model may take to start answering, and longest pause inside a streamed answer. */
export const MODEL_TIMEOUT_MS = 10 * 60_000;

/** The model timeout: `GATEHOUSE_MODEL_TIMEOUT_MS` when set, else MODEL_TIMEOUT_MS. */
export function modelTimeoutMs(): number {
  const fromEnv = Number(process.env.GATEHOUSE_MODEL_TIMEOUT_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : MODEL_TIMEOUT_MS;
}

/** Builds the SDK client of a provider (no retries: errors go back to the caller at once). */
export function createClient(provider: ProviderEndpoint): OpenAI {
  const OpenAI = openai();
  return new OpenAI({ baseURL: provider.baseUrl, apiKey: provider.apiKey || 'none', maxRetries: 0, timeout: modelTimeoutMs(), fetch: nodeFetch });
}

/** Asks the model once, streaming its text through `onText`, in the provider's own API. */
export async function askModel(client: OpenAI, provider: ProviderEndpoint, request: ModelRequest): Promise<ModelTurn> {
  try {
    return await withIdleTimeout(provider, request.signal, (signal, touch) => {
      const timed = { ...request, signal, touch };
      return provider.api === 'responses' ? viaResponses(client, timed) : viaChat(client, timed);
    });
  } catch (error) {
    throw toUpstreamError(error, provider);
  }
}

/**
 * Runs an upstream call with its own abort signal (also aborted by `signal`) that fires when the
 * upstream stays silent for the model timeout; `touch` marks upstream activity. The SDK's own
 * timeout ends at the response headers, so a stream that stalls after them would hang forever.
 */
export async function withIdleTimeout<T>(provider: ProviderEndpoint, signal: AbortSignal, run: (signal: AbortSignal, touch: () => void) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const ms = modelTimeoutMs();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ((timedOut = true), controller.abort(new Error('upstream timeout'))), ms);
  };
  touch();
  try {
    const result = await run(controller.signal, touch);
    // The SDK ends a stream quietly when its signal aborts: that is not a complete answer.
    if (controller.signal.aborted) throw new (openai().APIUserAbortError)();
    return result;
  } catch (error) {
    if (timedOut && !signal.aborted) throw new UpstreamError(504, `${provider.name} did not answer in time (${ms} ms)`, 'timeout', 'upstream_timeout');
    throw error;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

/** Any failure of an SDK call as an UpstreamError with the provider's key removed. */
export function toUpstreamError(error: unknown, provider: ProviderEndpoint): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const secrets = new Set([provider.apiKey].filter(Boolean));
  const OpenAI = openai();
  if (error instanceof OpenAI.APIError && error.status) {
    const body = error.error as { message?: string; type?: string; code?: string } | undefined;
    const message = redactText(body?.message ?? error.message, secrets);
    return new UpstreamError(error.status, `${provider.name}: ${message}`, body?.type ?? typeFor(error.status), body?.code ?? null);
  }
  if (error instanceof OpenAI.APIUserAbortError) return new UpstreamError(499, 'the request was cancelled', 'request_cancelled', null);
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new UpstreamError(504, `${provider.name} did not answer in time`, 'timeout', 'upstream_timeout');
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new UpstreamError(502, `cannot reach ${provider.name} at ${provider.baseUrl}; is it running?`, 'server_error', 'upstream_unreachable');
  }
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamError(502, `${provider.name}: ${redactText(message, secrets)}`, 'server_error', null);
}

function typeFor(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** A model request with its upstream-activity callback. */
type TimedRequest = ModelRequest & { touch: () => void };

async function viaChat(client: OpenAI, request: TimedRequest): Promise<ModelTurn> {
  const params: Record<string, unknown> = {
    model: request.model,
    messages: toChatMessages(request.instructions, request.items),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.tools.length) {
    params.tools = request.tools.map((tool) => ({ type: 'function', function: tool }));
    if (request.toolChoice !== undefined) params.tool_choice = toChatToolChoice(request.toolChoice);
    if (request.parallelToolCalls !== undefined) params.parallel_tool_calls = request.parallelToolCalls;
  }
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.maxOutputTokens !== undefined) params.max_tokens = request.maxOutputTokens;
  const stream = (await client.chat.completions.create(params as never, { signal: request.signal })) as unknown as AsyncIterable<ChatChunk>;
  let text = '';
  let finishReason: string | null = null;
  let usage: Usage = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
  const calls: Array<{ call_id: string; name: string; arguments: string }> = [];
  for await (const chunk of stream) {
    request.touch();
    if (chunk.usage) usage = fromChatUsage(chunk.usage);
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    if (choice.finish_reason) finishReason = choice.finish_reason;
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string' && delta.content) {
      text += delta.content;
      request.onText?.(delta.content);
    }
    for (const call of delta.tool_calls ?? []) {
      const index = call.index ?? calls.length;
      const slot = (calls[index] ??= { call_id: '', name: '', arguments: '' });
      if (call.id) slot.call_id = call.id;
      if (call.function?.name) slot.name += call.function.name;
      if (call.function?.arguments) slot.arguments += call.function.arguments;
    }
  }
  return { text, calls: calls.filter(Boolean).map((call, index) => ({ ...call, call_id: call.call_id || `call_${index}` })), usage, finishReason };
}

async function viaResponses(client: OpenAI, request: TimedRequest): Promise<ModelTurn> {
  const params: Record<string, unknown> = { model: request.model, input: request.items, stream: true, store: false };
  if (request.instructions) params.instructions = request.instructions;
  if (request.tools.length) {
    params.tools = request.tools.map((tool) => ({ type: 'function', strict: false, ...tool }));
    if (request.toolChoice !== undefined) params.tool_choice = request.toolChoice;
    if (request.parallelToolCalls !== undefined) params.parallel_tool_calls = request.parallelToolCalls;
  }
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.maxOutputTokens !== undefined) params.max_output_tokens = request.maxOutputTokens;
  const stream = (await client.responses.create(params as never, { signal: request.signal })) as unknown as AsyncIterable<{ type: string; delta?: string; response?: { output?: Array<Record<string, unknown>>; usage?: Record<string, number>; error?: { message?: string } } }>;
  let text = '';
  let final: { output?: Array<Record<string, unknown>>; usage?: Record<string, number> } | undefined;
  for await (const event of stream) {
    request.touch();
    if (event.type === 'response.output_text.delta' && event.delta) {
      text += event.delta;
      request.onText?.(event.delta);
    } else if (event.type === 'response.completed' || event.type === 'response.incomplete') final = event.response;
    else if (event.type === 'response.failed' || event.type === 'error') {
      throw new UpstreamError(502, event.response?.error?.message ?? 'the model failed', 'server_error', null);
    }
  }
  const calls = (final?.output ?? [])
    .filter((item) => item.type === 'function_call')
    .map((item) => ({ call_id: String(item.call_id), name: String(item.name), arguments: String(item.arguments ?? '{}') }));
  const usage = final?.usage;
  return {
    text,
    calls,
    usage: { input_tokens: usage?.input_tokens ?? 0, output_tokens: usage?.output_tokens ?? 0, total_tokens: usage?.total_tokens ?? 0 },
    finishReason: calls.length ? 'tool_calls' : 'stop',
  };
}

interface ChatChunk {
  choices?: Array<{
    finish_reason?: string | null;
    delta?: { content?: string | null; tool_calls?: Array<{ index?: number; id?: string; function?: { name?: string; arguments?: string } }> };
  }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null;
}

/** Chat Completions usage in Responses form. */
export function fromChatUsage(usage: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number }): Usage {
  const input = usage.prompt_tokens ?? 0;
  const output = usage.completion_tokens ?? 0;
  return { input_tokens: input, output_tokens: output, total_tokens: usage.total_tokens ?? input + output };
}

/** Responses `tool_choice` in Chat Completions form. */
function toChatToolChoice(choice: unknown): unknown {
  if (typeof choice === 'string') return choice;
  const value = choice as { type?: string; name?: string };
  if ((value.type === 'function' || value.type === 'mcp') && value.name) return { type: 'function', function: { name: value.name } };
  return value.type === 'mcp' ? 'required' : choice;
}

/** Conversation items (and instructions) as Chat Completions messages. */
export function toChatMessages(instructions: string | undefined, items: ConversationItem[]): Array<Record<string, unknown>> {
  const messages: Array<Record<string, unknown>> = [];
  if (instructions) messages.push({ role: 'system', content: instructions });
  for (const item of items) {
    if (item.type === 'message') {
      messages.push({ role: item.role === 'developer' ? 'system' : item.role, content: toChatContent(item.content, item.role) });
    } else if (item.type === 'function_call') {
      const call = { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } };
      // The calls of one round (and the text said with them) are one assistant message.
      const last = messages[messages.length - 1];
      if (last?.role === 'assistant') last.tool_calls = [...((last.tool_calls as unknown[] | undefined) ?? []), call];
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else {
      messages.push({ role: 'tool', tool_call_id: item.call_id, content: item.output });
    }
  }
  return messages;
}

function toChatContent(content: string | Array<Record<string, unknown>>, role: string): unknown {
  if (typeof content === 'string') return content;
  const parts = content.map((part) => {
    if (part.type === 'input_image') {
      const url = (part.image_url as string | undefined) ?? '';
      return { type: 'image_url', image_url: { url } };
    }
    return { type: 'text', text: String(part.text ?? '') };
  });
  // Assistant turns and plain-text turns go as one string: every provider accepts that.
  if (role === 'assistant' || parts.every((part) => part.type === 'text')) return parts.map((part) => (part as { text: string }).text).join('');
  return parts;
}

/** Functions in the shape both APIs accept. */
export type { FunctionTool };
