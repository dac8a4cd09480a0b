import { randomUUID } from 'node:crypto';
import type { Usage } from './types';

/** An output item, in exactly the shape OpenAI's Responses API gives it. */
export type OutputItem = Record<string, unknown> & { id: string; type: string };

/** One streamed event. */
export type ResponseEvent = Record<string, unknown> & { type: string; sequence_number: number };

/** A new id with OpenAI's prefix for its kind (`resp_`, `msg_`, `mcp_`, …). */
export function newId(prefix: string): string {
  // randomUUID draws from a cached pool of random bytes: much cheaper than randomBytes(16) per id.
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/** Request fields echoed on the response object. */
export interface ResponseEcho {
  model: string;
  instructions?: string | null;
  temperature?: number | null;
  max_output_tokens?: number | null;
  max_tool_calls?: number | null;
  metadata?: Record<string, string> | null;
  previous_response_id?: string | null;
  tool_choice?: unknown;
  tools?: unknown[];
  parallel_tool_calls?: boolean;
  store?: boolean;
}

/**
 * Builds one Responses API response and, when streaming, its events: one lifecycle however
 * many tool rounds run, `sequence_number` and `output_index` only rising, every item announced
 * by `output_item.added` before its `.done`.
 */
export class ResponseBuilder {
  readonly response: Record<string, unknown> & { id: string; output: OutputItem[]; status: string };
  private sequence = 0;

  constructor(
    echo: ResponseEcho,
    private readonly sink?: (event: ResponseEvent) => void,
    id = newId('resp'),
  ) {
    this.response = {
      id,
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      status: 'in_progress',
      background: false,
      error: null,
      incomplete_details: null,
      instructions: echo.instructions ?? null,
      max_output_tokens: echo.max_output_tokens ?? null,
      max_tool_calls: echo.max_tool_calls ?? null,
      model: echo.model,
      output: [],
      parallel_tool_calls: echo.parallel_tool_calls ?? true,
      previous_response_id: echo.previous_response_id ?? null,
      reasoning: { effort: null, summary: null },
      store: echo.store ?? true,
      temperature: echo.temperature ?? null,
      text: { format: { type: 'text' } },
      tool_choice: echo.tool_choice ?? 'auto',
      tools: echo.tools ?? [],
      top_p: null,
      truncation: 'disabled',
      usage: null,
      metadata: echo.metadata ?? {},
    };
  }

  /** Whether events are being streamed. */
  get streaming(): boolean {
    return this.sink !== undefined;
  }

  /** `response.created` and `response.in_progress`. */
  start(): void {
    this.emit('response.created', () => ({ response: this.response }));
    this.emit('response.in_progress', () => ({ response: this.response }));
  }

  /** Adds an item (announced with `output_item.added`); returns its output index. */
  add(item: OutputItem): number {
    const index = this.response.output.length;
    this.response.output.push(item);
    this.emit('response.output_item.added', () => ({ output_index: index, item }));
    return index;
  }

  /** Emits an item-level event such as `response.mcp_call.in_progress`. */
  itemEvent(type: string, index: number, fields: Record<string, unknown> = {}): void {
    this.emit(type, () => ({ output_index: index, item_id: this.response.output[index].id, ...fields }));
  }

  /** Finishes an item (`output_item.done`) with its final fields. */
  done(index: number, fields: Record<string, unknown> = {}): void {
    Object.assign(this.response.output[index], fields);
    this.emit('response.output_item.done', () => ({ output_index: index, item: this.response.output[index] }));
  }

  /** Ends the lifecycle with `response.completed`. */
  complete(usage: Usage): Record<string, unknown> {
    this.response.status = 'completed';
    this.response.usage = fullUsage(usage);
    this.emit('response.completed', () => ({ response: this.response }));
    return this.response;
  }

  /** Ends the lifecycle with `response.failed`. */
  fail(message: string, code: string, usage: Usage): Record<string, unknown> {
    this.response.status = 'failed';
    this.response.error = { code, message };
    this.response.usage = fullUsage(usage);
    this.emit('response.failed', () => ({ response: this.response }));
    return this.response;
  }

  /**
   * Sends an event to the sink. Events carry the live response and items, not copies: the sink
   * must serialise (or read) an event before it returns, as both sinks do. The fields are built
   * only when there is a sink.
   */
  private emit(type: string, fields: () => Record<string, unknown>): void {
    if (!this.sink) return;
    this.sink({ type, sequence_number: this.sequence++, ...fields() });
  }
}

function fullUsage(usage: Usage): Record<string, unknown> {
  return {
    input_tokens: usage.input_tokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.output_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.total_tokens,
  };
}
