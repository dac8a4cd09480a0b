import type { ConversationItem, FunctionTool } from './types';

/** A request problem the caller must fix; becomes a 400 in OpenAI's shape. */
export class BadLlmRequest extends Error {
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

/** An approval the caller gave or refused (`mcp_approval_response`). */
export interface ApprovalAnswer {
  approval_request_id: string;
  approve: boolean;
}

/** Reads a Responses API `input` (a string or a list of items) into conversation items and approvals. */
export function readResponsesInput(input: unknown): { items: ConversationItem[]; approvals: ApprovalAnswer[] } {
  if (typeof input === 'string') return { items: [{ type: 'message', role: 'user', content: input }], approvals: [] };
  if (!Array.isArray(input)) throw new BadLlmRequest('input must be a string or a list of items', 'input');
  const items: ConversationItem[] = [];
  const approvals: ApprovalAnswer[] = [];
  input.forEach((raw, index) => {
    if (!raw || typeof raw !== 'object') throw new BadLlmRequest(`input[${index}] must be an object`, `input[${index}]`);
    const item = raw as Record<string, unknown>;
    const type = item.type ?? (item.role ? 'message' : undefined);
    switch (type) {
      case 'message': {
        const role = item.role;
        if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer') {
          throw new BadLlmRequest(`input[${index}].role must be user, assistant, system or developer`, `input[${index}].role`);
        }
        if (typeof item.content !== 'string' && !Array.isArray(item.content)) {
          throw new BadLlmRequest(`input[${index}].content must be a string or a list of parts`, `input[${index}].content`);
        }
        items.push({ type: 'message', role, content: item.content as string | Array<Record<string, unknown>> });
        return;
      }
      case 'function_call':
        items.push({ type: 'function_call', call_id: String(item.call_id), name: String(item.name), arguments: String(item.arguments ?? '{}') });
        return;
      case 'function_call_output':
        items.push({ type: 'function_call_output', call_id: String(item.call_id), output: typeof item.output === 'string' ? item.output : JSON.stringify(item.output) });
        return;
      case 'mcp_approval_response':
        if (typeof item.approval_request_id !== 'string' || typeof item.approve !== 'boolean') {
          throw new BadLlmRequest(`input[${index}] needs approval_request_id and approve`, `input[${index}]`);
        }
        approvals.push({ approval_request_id: item.approval_request_id, approve: item.approve });
        return;
      case 'mcp_call': {
        // A replayed earlier call: the model sees it as a call and its result.
        const callId = String(item.id);
        items.push({ type: 'function_call', call_id: callId, name: String(item.name), arguments: String(item.arguments ?? '{}') });
        items.push({ type: 'function_call_output', call_id: callId, output: item.error ? `Error: ${String(item.error)}` : String(item.output ?? '') });
        return;
      }
      case 'mcp_list_tools':
      case 'mcp_approval_request':
      case 'reasoning':
      case 'item_reference':
        return;
      default:
        throw new BadLlmRequest(`input[${index}] has an unsupported type ${JSON.stringify(type)}`, `input[${index}].type`);
    }
  });
  return { items, approvals };
}

/** Reads Chat Completions `messages` into instructions and conversation items. */
export function readChatMessages(messages: unknown): ConversationItem[] {
  if (!Array.isArray(messages) || !messages.length) throw new BadLlmRequest('messages must be a non-empty list', 'messages');
  const items: ConversationItem[] = [];
  messages.forEach((raw, index) => {
    const message = (raw ?? {}) as Record<string, unknown>;
    const role = message.role;
    if (role === 'tool') {
      items.push({ type: 'function_call_output', call_id: String(message.tool_call_id), output: chatText(message.content) });
      return;
    }
    if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer') {
      throw new BadLlmRequest(`messages[${index}].role is not a known role`, `messages[${index}].role`);
    }
    const text = chatText(message.content);
    if (text || role !== 'assistant') items.push({ type: 'message', role, content: Array.isArray(message.content) ? chatParts(message.content) : text });
    for (const call of (message.tool_calls as Array<{ id: string; function: { name: string; arguments: string } }>) ?? []) {
      items.push({ type: 'function_call', call_id: call.id, name: call.function?.name ?? '', arguments: call.function?.arguments ?? '{}' });
    }
  });
  return items;
}

/** Function tools of a request in either API's form (`{type, name, parameters}` or `{type, function}`). */
export function readFunctionTools(tools: Array<Record<string, unknown>>): FunctionTool[] {
  return tools.map((tool) => {
    const fn = (tool.function as Record<string, unknown> | undefined) ?? tool;
    if (typeof fn.name !== 'string' || !fn.name) throw new BadLlmRequest('every function tool needs a name', 'tools');
    return {
      name: fn.name,
      description: typeof fn.description === 'string' ? fn.description : undefined,
      parameters: (fn.parameters as Record<string, unknown>) ?? { type: 'object', properties: {} },
    };
  });
}

function chatText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => String((part as { text?: unknown }).text ?? '')).join('');
  return '';
}

function chatParts(parts: unknown[]): Array<Record<string, unknown>> {
  return parts.map((raw) => {
    const part = raw as Record<string, unknown>;
    if (part.type === 'image_url') return { type: 'input_image', image_url: (part.image_url as { url?: string })?.url ?? '' };
    return { type: 'input_text', text: String(part.text ?? '') };
  });
}
