import type OpenAI from 'openai';
import type { Surface } from '../../shared/types';
import type { Catalog } from '../mcp/catalog';
import type { ToolCaller, ToolResult } from '../mcp/tool-caller';
import type { McpFunction, McpToolset } from './mcp-tools';
import { askModel, type ProviderEndpoint } from './model-client';
import { newId, type ResponseBuilder } from './response-builder';
import { addUsage, NO_USAGE, type ConversationItem, type FunctionTool, type Usage } from './types';

/** Most model rounds one response may take before it fails with a clear error. */
export const MAX_TOOL_ROUNDS = 16;

/** A call the model asked for that waits for a person's approval. */
export interface PendingApproval {
  call_id: string;
  name: string;
  arguments: string;
}

/** Everything one run of the loop needs. */
export interface LoopInput {
  client: OpenAI;
  provider: ProviderEndpoint;
  model: string;
  instructions?: string;
  /** The conversation so far: previous turns and this request's input. */
  items: ConversationItem[];
  toolset: McpToolset;
  userFunctions: FunctionTool[];
  toolChoice?: unknown;
  temperature?: number;
  maxOutputTokens?: number;
  maxToolCalls?: number;
  parallelToolCalls?: boolean;
  /** Approvals answered in this request, by approval request id, with the call they approve. */
  approvals: Array<{ request: PendingApproval & { id: string }; approve: boolean }>;
  /** Whether to emit `mcp_list_tools` items (not when continuing a response that did). */
  listTools: boolean;
  surface: Surface;
  keyName: string | null;
  signal: AbortSignal;
  /** Called when the model starts answering (the stream may then go out). */
  onModelOutput?: () => void;
  /** Called with the usage so far after each model round (kept even if a later round fails). */
  onUsage?: (usage: Usage) => void;
}

/** What the loop leaves behind for the next turn. */
export interface LoopOutcome {
  usage: Usage;
  conversation: ConversationItem[];
  pendingApprovals: Record<string, PendingApproval>;
  /** Set when the loop gave up (too many rounds). */
  failure?: { code: string; message: string };
}

/**
 * The MCP tool loop: list the tools, ask the model, run the MCP calls it makes (in parallel),
 * feed the results back, and repeat until it answers. Plain function tools are returned to the
 * caller, calls that need approval end the response with `mcp_approval_request` items.
 */
export class ToolLoop {
  constructor(
    private readonly catalog: Catalog,
    private readonly caller: ToolCaller,
  ) {}

  async run(input: LoopInput, out: ResponseBuilder): Promise<LoopOutcome> {
    const conversation = [...input.items];
    const pendingApprovals: Record<string, PendingApproval> = {};
    let usage = NO_USAGE;
    let toolCalls = 0;
    if (input.listTools) this.listTools(input.toolset, out);

    // Calls answered now (approved or denied): recorded as the model's calls, then their results.
    const approved = input.approvals.filter((answer) => answer.approve);
    const answered = input.approvals.map((answer) => answer.request);
    const answeredOutputs = await Promise.all(
      input.approvals.map((answer) =>
        answer.approve ? this.runCall(input, out, answer.request, answer.request.id) : Promise.resolve('The user denied this tool call.'),
      ),
    );
    recordCalls(conversation, answered, answeredOutputs);
    toolCalls += approved.length;

    for (let round = 0; ; round++) {
      if (round >= MAX_TOOL_ROUNDS) {
        const message = `the model was still calling tools after ${MAX_TOOL_ROUNDS} rounds; stopped. Narrow the tools with allowed_tools or set max_tool_calls.`;
        return { usage, conversation, pendingApprovals, failure: { code: 'max_tool_rounds', message } };
      }
      const toolsLeft = input.maxToolCalls === undefined || toolCalls < input.maxToolCalls;
      const functions = [...(toolsLeft ? input.toolset.functions : []), ...input.userFunctions];
      const message = new MessageStream(out);
      let turn: Awaited<ReturnType<typeof askModel>>;
      try {
        turn = await askModel(input.client, input.provider, {
          model: input.model,
          instructions: input.instructions,
          items: conversation,
          tools: functions,
          // A forced choice applies to the first round only, or the model could never answer.
          toolChoice: round === 0 && functions.length ? input.toolChoice : functions.length ? 'auto' : undefined,
          temperature: input.temperature,
          maxOutputTokens: input.maxOutputTokens,
          parallelToolCalls: input.parallelToolCalls,
          signal: input.signal,
          onText: (delta) => {
            input.onModelOutput?.();
            message.write(delta);
          },
        });
      } catch (error) {
        // The text so far stays, marked incomplete: every item added is also done.
        message.end('incomplete');
        throw error;
      }
      input.onModelOutput?.();
      usage = addUsage(usage, turn.usage);
      input.onUsage?.(usage);
      message.end();
      if (turn.text) conversation.push({ type: 'message', role: 'assistant', content: turn.text });
      if (!turn.calls.length) return { usage, conversation, pendingApprovals };

      const mcpCalls = turn.calls.filter((call) => input.toolset.byFunction.has(call.name));
      const userNames = new Set(input.userFunctions.map((fn) => fn.name));
      const otherCalls = turn.calls.filter((call) => !input.toolset.byFunction.has(call.name) && userNames.has(call.name));
      // A name that is neither an MCP tool nor one of the caller's functions: the model is told so.
      const unknownCalls = turn.calls.filter((call) => !input.toolset.byFunction.has(call.name) && !userNames.has(call.name));
      for (const call of otherCalls) this.returnFunctionCall(out, call);
      const toRun: typeof mcpCalls = [];
      for (const call of mcpCalls) {
        const fn = input.toolset.byFunction.get(call.name)!;
        if (fn.group.approval(fn.tool)) {
          const id = newId('mcpr');
          pendingApprovals[id] = { call_id: call.call_id, name: call.name, arguments: call.arguments };
          const index = out.add({ id, type: 'mcp_approval_request', server_label: fn.group.label, name: fn.name, arguments: call.arguments });
          out.done(index);
        } else {
          toRun.push(call);
        }
      }
      const budget = input.maxToolCalls === undefined ? toRun.length : Math.max(0, input.maxToolCalls - toolCalls);
      const outputs = await Promise.all(
        toRun.map((call, index) =>
          index < budget ? this.runCall(input, out, call) : Promise.resolve('Not run: the max_tool_calls limit of this response was reached.'),
        ),
      );
      toolCalls += Math.min(budget, toRun.length);
      const unknown = unknownCalls.map((call) => `Error: there is no tool named ${call.name}; use one of the tools offered.`);
      // The caller's own functions are answered by the caller (function_call_output in its next request).
      recordCalls(conversation, [...otherCalls, ...unknownCalls, ...toRun], [...unknown, ...outputs]);
      if (otherCalls.length || Object.keys(pendingApprovals).length) return { usage, conversation, pendingApprovals };
    }
  }

  private listTools(toolset: McpToolset, out: ResponseBuilder): void {
    for (const group of toolset.groups) {
      const index = out.add({ id: newId('mcpl'), type: 'mcp_list_tools', server_label: group.label, tools: [], error: null });
      out.itemEvent('response.mcp_list_tools.in_progress', index);
      out.itemEvent('response.mcp_list_tools.completed', index);
      out.done(index, {
        tools: group.tools.map((tool) => ({
          name: tool.name,
          description: tool.description ?? null,
          input_schema: tool.inputSchema,
          annotations: tool.annotations ?? null,
        })),
      });
    }
  }

  /** Runs one MCP call as an `mcp_call` item; returns what the model is told of its result. */
  private async runCall(
    input: LoopInput,
    out: ResponseBuilder,
    call: { call_id: string; name: string; arguments: string },
    approvalRequestId?: string,
  ): Promise<string> {
    const fn = input.toolset.byFunction.get(call.name) as McpFunction;
    const item: Record<string, unknown> & { id: string; type: string } = {
      id: newId('mcp'),
      type: 'mcp_call',
      server_label: fn.group.label,
      name: fn.name,
      arguments: '',
      output: null,
      error: null,
      status: 'in_progress',
    };
    if (approvalRequestId) item.approval_request_id = approvalRequestId;
    const index = out.add(item);
    out.itemEvent('response.mcp_call.in_progress', index);
    out.itemEvent('response.mcp_call_arguments.delta', index, { delta: call.arguments });
    out.itemEvent('response.mcp_call_arguments.done', index, { arguments: call.arguments });
    let output: string | null = null;
    let error: string | null = null;
    try {
      const entry = this.catalog.resolveTool(fn.name, fn.group.scope);
      if (!entry) throw new Error(`tool ${fn.name} is not available (switched off or its server is not ready)`);
      let args: unknown;
      try {
        args = call.arguments.trim() ? JSON.parse(call.arguments) : {};
      } catch {
        throw new Error('the arguments are not valid JSON');
      }
      if (!args || typeof args !== 'object' || Array.isArray(args)) throw new Error('the arguments must be a JSON object');
      const result = await this.caller.call(entry, args as Record<string, unknown>, { surface: input.surface, keyName: input.keyName, signal: input.signal });
      const text = resultText(result);
      if (result.isError) error = text;
      else output = text;
    } catch (failure) {
      error = failure instanceof Error ? failure.message.replace(/^MCP error -?\d+: /, '') : String(failure);
    }
    out.itemEvent(error === null ? 'response.mcp_call.completed' : 'response.mcp_call.failed', index);
    out.done(index, { arguments: call.arguments, output, error, status: error === null ? 'completed' : 'failed' });
    return error === null ? (output ?? '') : `Error: ${error}`;
  }

  /** A call to one of the caller's own functions: returned, not run. */
  private returnFunctionCall(out: ResponseBuilder, call: { call_id: string; name: string; arguments: string }): void {
    const index = out.add({ id: newId('fc'), type: 'function_call', status: 'in_progress', call_id: call.call_id, name: call.name, arguments: '' });
    out.itemEvent('response.function_call_arguments.delta', index, { delta: call.arguments });
    out.itemEvent('response.function_call_arguments.done', index, { arguments: call.arguments });
    out.done(index, { arguments: call.arguments, status: 'completed' });
  }
}

/**
 * Records one round's calls as the model made them (together, so Chat Completions gets one
 * assistant message with every tool call), then the results known now, in the same order.
 * `outputs[i]` belongs to the last `outputs.length` calls; the first calls have none yet.
 */
function recordCalls(conversation: ConversationItem[], calls: PendingApproval[], outputs: string[]): void {
  for (const call of calls) conversation.push({ type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments });
  const first = calls.length - outputs.length;
  outputs.forEach((output, index) => conversation.push({ type: 'function_call_output', call_id: calls[first + index].call_id, output }));
}

/** The text a model is given for a tool result: text parts as they are, anything else as JSON. */
export function resultText(result: ToolResult): string {
  const content = Array.isArray(result.content) ? (result.content as Array<Record<string, unknown>>) : [];
  const parts = content.map((part) => (part.type === 'text' ? String(part.text ?? '') : JSON.stringify(part)));
  if (!parts.length && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

/** The assistant message item of one round, created when its first text arrives. */
class MessageStream {
  private index = -1;
  private text = '';

  constructor(private readonly out: ResponseBuilder) {}

  write(delta: string): void {
    if (this.index < 0) {
      this.index = this.out.add({ id: newId('msg'), type: 'message', status: 'in_progress', role: 'assistant', content: [] });
      this.out.itemEvent('response.content_part.added', this.index, { content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
    }
    this.text += delta;
    this.out.itemEvent('response.output_text.delta', this.index, { content_index: 0, delta, logprobs: [] });
  }

  end(status: 'completed' | 'incomplete' = 'completed'): void {
    if (this.index < 0) return;
    const part = { type: 'output_text', text: this.text, annotations: [], logprobs: [] };
    this.out.itemEvent('response.output_text.done', this.index, { content_index: 0, text: this.text, logprobs: [] });
    this.out.itemEvent('response.content_part.done', this.index, { content_index: 0, part });
    this.out.done(this.index, { status, content: [part] });
  }
}
