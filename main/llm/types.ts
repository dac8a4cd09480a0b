/** Shapes the tool loop works with, independent of the upstream API (chat or responses). */

/** One item of the conversation, in Responses API form (what both APIs are translated to and from). */
export type ConversationItem =
  | { type: 'message'; role: 'user' | 'assistant' | 'system' | 'developer'; content: string | Array<Record<string, unknown>> }
  | { type: 'function_call'; call_id: string; name: string; arguments: string }
  | { type: 'function_call_output'; call_id: string; output: string };

/** A function offered to the model. */
export interface FunctionTool {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

/** What the model asked for in one round. */
export interface ModelTurn {
  text: string;
  calls: Array<{ call_id: string; name: string; arguments: string }>;
  usage: Usage;
  finishReason: string | null;
}

/** Token usage of one or more model calls. */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

/** One request to the model. */
export interface ModelRequest {
  model: string;
  instructions?: string;
  items: ConversationItem[];
  tools: FunctionTool[];
  toolChoice?: unknown;
  temperature?: number;
  maxOutputTokens?: number;
  parallelToolCalls?: boolean;
  signal: AbortSignal;
  /** Called with each piece of answer text as it streams in. */
  onText?: (delta: string) => void;
}

/** Adds two usages. */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}

/** No tokens. */
export const NO_USAGE: Usage = { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
