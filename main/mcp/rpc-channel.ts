import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type JSONRPCMessage, type Progress } from '@modelcontextprotocol/sdk/types.js';

/** How long a request may take when its caller gives no timeout (the SDK's default too). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/**
 * Ids of the gateway's own requests start here, far above the SDK client's (which counts from 0
 * for the handshake and pings), so the two never meet. Numbers, not strings: some servers
 * assume numeric ids.
 */
const FIRST_ID = 1_000_000_000;

export interface ChannelRequestOptions {
  timeout?: number;
  signal?: AbortSignal;
  onprogress?: (progress: Progress) => void;
}

interface Pending {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  onprogress?: (progress: Progress) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * Sits between the SDK `Client` and the real transport. The SDK keeps the handshake, pings and
 * what the server asks of the client; the gateway's own requests (every tools/call, list, read)
 * take `request()`, which matches the answer by id and hands the result over as it came: no
 * schema pass over every message, one timer and no extra AbortController per call. Progress for
 * those requests is routed here too. Everything else reaches the SDK as before, with responses
 * one microtask late: the SDK runs notification handlers in a microtask but responses at once,
 * so progress and a result arriving in one chunk would otherwise lose the progress.
 */
export class RpcChannel implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];

  private nextId = FIRST_ID;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(private readonly inner: Transport) {
    inner.onclose = () => {
      this.closed = true;
      this.failAll(new McpError(ErrorCode.ConnectionClosed, 'Connection closed'));
      this.onclose?.();
    };
    inner.onerror = (error) => this.onerror?.(error);
    inner.onmessage = (message, extra) => {
      if (this.pending.size && this.take(message)) return;
      if ('method' in message) this.onmessage?.(message, extra);
      else queueMicrotask(() => this.onmessage?.(message, extra));
    };
  }

  /** Sends a request and resolves with its result, unvalidated. */
  request(method: string, params: Record<string, unknown> | undefined, options: ChannelRequestOptions = {}): Promise<Record<string, unknown>> {
    const { signal, onprogress } = options;
    if (signal?.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    if (this.closed) return Promise.reject(new McpError(ErrorCode.ConnectionClosed, 'Connection closed'));
    const id = this.nextId++;
    let sent = params;
    if (onprogress) {
      const meta = params?._meta as Record<string, unknown> | undefined;
      sent = { ...params, _meta: { ...meta, progressToken: id } };
    }
    return new Promise((resolve, reject) => {
      const timeout = options.timeout ?? DEFAULT_REQUEST_TIMEOUT_MS;
      const entry: Pending = {
        resolve,
        reject,
        onprogress,
        signal,
        timer: setTimeout(() => this.cancel(id, new McpError(ErrorCode.RequestTimeout, 'Request timed out', { timeout })), timeout),
      };
      if (signal) {
        entry.onAbort = () => this.cancel(id, signal.reason);
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.pending.set(id, entry);
      const message = (sent === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: sent }) as JSONRPCMessage;
      this.inner.send(message).catch((error: unknown) => {
        if (this.settle(id)) reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  /** Requests in flight through `request()`. */
  get inFlight(): number {
    return this.pending.size;
  }

  get sessionId() {
    return this.inner.sessionId;
  }

  start() {
    return this.inner.start();
  }

  send(...args: Parameters<Transport['send']>) {
    return this.inner.send(...args);
  }

  close() {
    return this.inner.close();
  }

  setProtocolVersion(version: string) {
    this.inner.setProtocolVersion?.(version);
  }

  /** Handles a message meant for one of our requests; false when it is not. */
  private take(message: JSONRPCMessage): boolean {
    const record = message as { id?: unknown; method?: string; params?: Record<string, unknown>; result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
    if (record.method === undefined) {
      if (typeof record.id !== 'number' || !this.pending.has(record.id)) return false;
      const entry = this.settle(record.id)!;
      if (record.error) {
        const { code, message: text, data } = record.error;
        entry.reject(new McpError(typeof code === 'number' ? code : ErrorCode.InternalError, typeof text === 'string' ? text : 'upstream error', data));
      } else {
        const result = record.result;
        entry.resolve(result && typeof result === 'object' && !Array.isArray(result) ? (result as Record<string, unknown>) : {});
      }
      return true;
    }
    if (record.method === 'notifications/progress' && record.id === undefined) {
      const token = record.params?.progressToken;
      const entry = typeof token === 'number' ? this.pending.get(token) : undefined;
      if (!entry) return false;
      const { progressToken: _token, ...progress } = record.params!;
      entry.onprogress?.(progress as Progress);
      return true;
    }
    return false;
  }

  /** Forgets request `id`; returns its entry if it was still waiting. */
  private settle(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    return entry;
  }

  /** Gives up on a request (timeout or the caller's abort) and tells the server. */
  private cancel(id: number, reason: unknown): void {
    const entry = this.settle(id);
    if (!entry) return;
    if (!this.closed) {
      this.inner
        .send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: String(reason) } })
        .catch(() => undefined);
    }
    entry.reject(reason instanceof Error ? reason : new McpError(ErrorCode.RequestTimeout, String(reason)));
  }

  private failAll(error: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(error);
  }
}
