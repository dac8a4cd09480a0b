import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { CancelSignal } from './cancel';
import { ErrorCode, LATEST_PROTOCOL_VERSION, McpError, type Progress, SUPPORTED_PROTOCOL_VERSIONS } from './protocol';

/** How long a request may take when its caller gives no timeout (the SDK's default too). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** Ids of the gateway's requests to a server: numbers (some servers assume them), from 1. */
const FIRST_ID = 1;

/** A request or notification the server sends to the gateway. */
export interface Incoming {
  method: string;
  params?: Record<string, unknown>;
}

/** What the gateway does with what a server sends on its own. */
export interface ChannelHandlers {
  /** A request (sampling, elicitation, roots): resolves with the result or throws an McpError. */
  request(request: Incoming): Promise<Record<string, unknown>>;
  /** A notification (list_changed, logging, resource updates, progress of others). */
  notification(notification: Incoming): void | Promise<void>;
}

/** What the server said about itself in the handshake. */
export interface Handshake {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  serverInfo: Record<string, unknown>;
  instructions?: string;
}

export interface ChannelRequestOptions {
  timeout?: number;
  signal?: CancelSignal;
  onprogress?: (progress: Progress) => void;
}

interface Pending {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  onprogress?: (progress: Progress) => void;
  signal?: CancelSignal;
  onAbort?: () => void;
}

/**
 * The gateway's MCP client for one upstream server, over any transport (its own stdio one, or
 * the SDK's Streamable HTTP and SSE clients). It does the handshake, matches answers to requests
 * by id and hands results over as they came (no schema pass over every message: the gateway
 * passes results through, and the downstream client validates them), routes progress to its
 * caller, answers pings, and gives what the server asks or announces to `handlers`. Written for
 * the hot path and for start-up: the SDK's client (with zod and ajv) is ~130 ms to load, which
 * would sit between starting Gatehouse and spawning its first server.
 */
export class RpcChannel {
  /** Called once when the connection ends, for any reason. */
  onclose?: () => void;
  /** Transport errors and unusable messages (the connection goes on). */
  onerror?: (error: Error) => void;
  /** What the server answered to initialize, once connected. */
  handshake: Handshake | null = null;

  private nextId = FIRST_ID;
  private readonly pending = new PendingTable<Pending>();
  private closed = false;
  private started: Promise<void> | null = null;

  constructor(
    private readonly inner: Transport,
    private readonly handlers: ChannelHandlers = { request: () => Promise.reject(new McpError(ErrorCode.MethodNotFound, 'not supported')), notification: () => undefined },
  ) {
    inner.onclose = () => {
      if (this.closed) return;
      this.closed = true;
      this.failAll(new McpError(ErrorCode.ConnectionClosed, 'Connection closed'));
      this.onclose?.();
    };
    inner.onerror = (error) => this.onerror?.(error);
    inner.onmessage = (message) => this.receive(message);
  }

  /**
   * Starts the transport (a stdio child is spawned here) and runs the MCP handshake: initialize
   * with the newest protocol version, refuse a version Gatehouse does not speak, then
   * notifications/initialized.
   */
  async connect(clientInfo: { name: string; version: string }, capabilities: Record<string, unknown>, timeout: number): Promise<Handshake> {
    await this.start();
    const result = await this.request('initialize', { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities, clientInfo }, { timeout });
    const version = result.protocolVersion;
    if (typeof version !== 'string' || !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      throw new Error(`the server answered initialize with protocol version ${JSON.stringify(version)}, which Gatehouse does not support`);
    }
    this.inner.setProtocolVersion?.(version);
    const object = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
    this.handshake = {
      protocolVersion: version,
      capabilities: object(result.capabilities),
      serverInfo: object(result.serverInfo),
      instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
    };
    await this.inner.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return this.handshake;
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

  /** Starts the transport once (spawns a stdio child). */
  start(): Promise<void> {
    this.started ??= this.inner.start();
    return this.started;
  }

  /** Ends the connection (a stdio child gets the stop ladder). */
  async close(): Promise<void> {
    await this.inner.close();
    // Transports that do not call onclose on their own close still end the requests in flight.
    this.inner.onclose?.();
  }

  /** Dispatches one message from the server. */
  private receive(message: JSONRPCMessage): void {
    const record = message as { id?: unknown; method?: unknown; params?: Record<string, unknown>; result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
    if (record.method === undefined) {
      if ((typeof record.id !== 'number' && typeof record.id !== 'string') || this.pending.get(Number(record.id)) === undefined) {
        this.onerror?.(new Error(`the server answered a request Gatehouse did not send (id ${JSON.stringify(record.id)})`));
        return;
      }
      const entry = this.settle(Number(record.id))!;
      if (record.error) {
        const { code, message: text, data } = record.error;
        entry.reject(new McpError(typeof code === 'number' ? code : ErrorCode.InternalError, typeof text === 'string' ? text : 'upstream error', data));
      } else {
        const result = record.result;
        entry.resolve(result && typeof result === 'object' && !Array.isArray(result) ? (result as Record<string, unknown>) : {});
      }
      return;
    }
    if (typeof record.method !== 'string') return void this.onerror?.(new Error('the server sent a message without a valid method'));
    const params = record.params && typeof record.params === 'object' ? record.params : undefined;
    if (record.id === undefined) {
      if (record.method === 'notifications/progress') {
        const token = params?.progressToken;
        const entry = typeof token === 'number' ? this.pending.get(token) : undefined;
        if (entry) {
          const { progressToken: _token, ...progress } = params!;
          entry.onprogress?.(progress as Progress);
        }
        return;
      }
      if (record.method === 'notifications/cancelled') return; // requests to the gateway are short-lived; nothing to stop
      void Promise.resolve()
        .then(() => this.handlers.notification({ method: record.method as string, params }))
        .catch((error: unknown) => this.onerror?.(error instanceof Error ? error : new Error(String(error))));
      return;
    }
    const id = record.id as string | number;
    const answer = record.method === 'ping' ? Promise.resolve({}) : this.handlers.request({ method: record.method, params });
    answer.then(
      (result) => this.reply({ jsonrpc: '2.0', id, result }),
      (error: unknown) =>
        this.reply({
          jsonrpc: '2.0',
          id,
          error: toErrorObject(error),
        }),
    );
  }

  private reply(message: object): void {
    if (this.closed) return;
    this.inner.send(message as JSONRPCMessage).catch((error: unknown) => this.onerror?.(error instanceof Error ? error : new Error(String(error))));
  }

  /** Forgets request `id`; returns its entry if it was still waiting. */
  private settle(id: number): Pending | undefined {
    const entry = this.pending.take(id);
    if (!entry) return undefined;
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
    for (const id of this.pending.ids()) this.settle(id)?.reject(error);
  }
}

/**
 * The requests in flight, by id: a dictionary object, not a Map. A Map that lives as long as the
 * connection and takes an insert and a delete per call is rebuilt every few dozen calls, and V8
 * leaves each retired table linked to the next with its entries still in it (for iterators that
 * may still walk it). Once one retired table has reached the old generation, every later table
 * and every request they held (its promise, and through it the caller's HTTP exchange) outlives
 * the young-generation GC and is promoted, until the next full GC: under load at 8 sessions that
 * was ~2 MB promoted per scavenge and a full GC every second, with the Set of downstream peers in
 * UpstreamConnection (docs/benchmarks.md, "Where the time goes", b).
 */
class PendingTable<T> {
  private readonly entries: Record<number, T> = Object.create(null) as Record<number, T>;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): T | undefined {
    return this.entries[id];
  }

  set(id: number, value: T): void {
    if (this.entries[id] === undefined) this.count++;
    this.entries[id] = value;
  }

  /** Removes the entry of `id` and returns it, if there was one. */
  take(id: number): T | undefined {
    const entry = this.entries[id];
    if (entry === undefined) return undefined;
    delete this.entries[id];
    this.count--;
    return entry;
  }

  ids(): number[] {
    return Object.keys(this.entries).map(Number);
  }
}

/** A handler's failure as a JSON-RPC error object: its own code when it has one (McpError, RpcError). */
function toErrorObject(error: unknown): { code: number; message: string; data?: unknown } {
  const { code, data } = (error ?? {}) as { code?: unknown; data?: unknown };
  const message = (error instanceof Error ? error.message : String(error)).replace(/^MCP error -?\d+: /, '');
  return {
    code: typeof code === 'number' && Number.isSafeInteger(code) ? code : ErrorCode.InternalError,
    message,
    ...(data === undefined ? {} : { data }),
  };
}
