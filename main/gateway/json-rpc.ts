import type { ServerResponse } from 'node:http';

/** JSON-RPC and MCP error codes used on `/mcp`. */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** MCP: generic server-side refusal (bad session, headers). */
  serverError: -32000,
  /** MCP: session not found / unauthorized. */
  sessionNotFound: -32001,
  requestTimeout: -32001,
} as const;

/** A JSON-RPC id. */
export type RpcId = string | number;

/** One incoming JSON-RPC message, already checked to be JSON-RPC 2.0. */
export interface RpcMessage {
  jsonrpc: '2.0';
  id?: RpcId;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** An error a method handler throws to answer with a JSON-RPC error. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** Parses a POST body into messages, or an RpcError saying what is wrong with it. */
export function parseMessages(raw: Buffer): { messages: RpcMessage[]; batch: boolean } | RpcError {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    return new RpcError(RPC.parseError, 'Parse error: the body is not valid JSON');
  }
  const batch = Array.isArray(value);
  const messages = (batch ? value : [value]) as unknown[];
  if (!messages.length) return new RpcError(RPC.invalidRequest, 'Invalid Request: empty batch');
  for (const message of messages) {
    if (!isMessage(message)) return new RpcError(RPC.invalidRequest, 'Invalid Request: not a JSON-RPC 2.0 message');
  }
  return { messages: messages as RpcMessage[], batch };
}

function isMessage(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const message = value as Record<string, unknown>;
  if (message.jsonrpc !== '2.0') return false;
  if (message.params !== undefined && (typeof message.params !== 'object' || message.params === null)) return false;
  const idOk = message.id === undefined || typeof message.id === 'string' || (typeof message.id === 'number' && Number.isFinite(message.id));
  if (!idOk) return false;
  if (typeof message.method === 'string') return true;
  return message.id !== undefined && ('result' in message || 'error' in message);
}

/** A JSON-RPC response object. */
export function rpcResult(id: RpcId, result: unknown): object {
  return { jsonrpc: '2.0', id, result };
}

/** A JSON-RPC error object. */
export function rpcError(id: RpcId | null, code: number, message: string, data?: unknown): object {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}

/** Answers an HTTP request with a JSON-RPC error object, as MCP clients expect on `/mcp`. */
export function sendRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) return void res.end();
  const body = JSON.stringify(rpcError(null, code, message));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
