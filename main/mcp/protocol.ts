/**
 * The few MCP protocol values the gateway needs at run time, kept here so that starting the
 * gateway does not load the SDK's schema module (zod, ~65 ms) before the first server is
 * spawned. `test/unit/protocol.test.ts` checks them against the SDK, so an SDK upgrade that
 * changes them fails a test instead of drifting.
 */

/** Newest protocol version Gatehouse speaks (offered upstream, answered downstream). */
export const LATEST_PROTOCOL_VERSION = '2025-11-25';
/** Every version Gatehouse accepts, newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [LATEST_PROTOCOL_VERSION, '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'];

/** JSON-RPC and MCP error codes (the SDK's `ErrorCode`). */
export const ErrorCode = {
  ConnectionClosed: -32000,
  RequestTimeout: -32001,
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
} as const;

/**
 * An MCP error with its JSON-RPC code: what upstream servers answer and what the gateway
 * throws. Shaped like the SDK's `McpError` (same message prefix and `name`), and `isMcpError`
 * accepts both, since the SDK's remote transports may still throw theirs.
 */
export class McpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(`MCP error ${code}: ${message}`);
    this.name = 'McpError';
  }
}

/** True for this module's McpError and for the SDK's. */
export function isMcpError(error: unknown): error is McpError {
  return error instanceof Error && error.name === 'McpError' && typeof (error as { code?: unknown }).code === 'number';
}

/** Progress an upstream server reports for a request. */
export interface Progress {
  progress: number;
  total?: number;
  message?: string;
  [key: string]: unknown;
}
