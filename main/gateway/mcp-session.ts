import type { ServerResponse } from 'node:http';
import type { Principal } from '../../shared/types';
import type { Scope } from '../mcp/catalog';
import { CallCancel, type CancelSignal } from '../mcp/cancel';
import { RPC, RpcError, type RpcId, type RpcMessage } from './json-rpc';

/** How long a request to the client (sampling, elicitation, roots) may wait for its answer. */
export const CLIENT_REQUEST_TIMEOUT_MS = 5 * 60_000;

/**
 * The reply channel of one POST. It answers with plain JSON unless something has to be sent
 * before the result (progress, a log message, a request to the client): then it turns into an
 * SSE stream. A client that goes away aborts the requests of the exchange, which cancels their
 * upstream calls.
 */
export class Exchange {
  private streaming = false;
  private done = false;
  /** The requests of this POST still running (one cancellation each; none for the POST itself). */
  private readonly running = new Set<CallCancel>();

  constructor(
    private readonly res: ServerResponse,
    private readonly canStream: boolean,
    private readonly headers: Record<string, string>,
  ) {
    res.once('close', () => {
      if (this.done) return;
      const reason = new Error('the client went away');
      for (const controller of this.running) controller.abort(reason);
    });
  }

  /** A cancellation for one request of this exchange, aborted if the client goes away first. */
  begin(): CallCancel {
    const controller = new CallCancel();
    if (this.res.destroyed && !this.done) controller.abort(new Error('the client went away'));
    this.running.add(controller);
    return controller;
  }

  /** The request of `controller` has its answer. */
  end(controller: CallCancel): void {
    this.running.delete(controller);
  }

  /** Sends a message ahead of the result; false when it cannot be delivered. */
  send(message: object): boolean {
    if (this.done || !this.canStream || this.res.destroyed) return false;
    if (!this.streaming) {
      this.streaming = true;
      this.res.writeHead(200, { ...this.headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    }
    this.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    return true;
  }

  /** Sends the answer(s) and ends the exchange. */
  finish(replies: object[], batch: boolean): void {
    if (this.done) return;
    this.done = true;
    if (this.res.destroyed) return;
    if (this.streaming) {
      for (const reply of replies) this.res.write(`event: message\ndata: ${JSON.stringify(reply)}\n\n`);
      this.res.end();
      return;
    }
    const body = JSON.stringify(batch ? replies : replies[0]);
    this.res.writeHead(200, { ...this.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    this.res.end(body);
  }
}

interface PendingClientRequest {
  resolve: (result: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One downstream MCP session. Deliberately small (a few hundred bytes when idle): its key, its
 * scope, what the client declared, and the maps that exist only while something is running.
 */
export class McpSession {
  lastSeen = Date.now();
  protocolVersion = '';
  clientCapabilities: Record<string, unknown> | null = null;
  /** Catalog version the client knows: at initialize, its last list, or the last list_changed it got. */
  listedVersion = -1;
  /** `clientInfo.name` from initialize (shown with calls waiting for approval). */
  clientName: string | null = null;
  initialized = false;
  subscriptions: Set<string> | null = null;
  /** The standalone GET stream for server-initiated notifications. */
  stream: ServerResponse | null = null;
  private inflight: Map<RpcId, AbortController> | null = null;
  private pending: Map<number, PendingClientRequest> | null = null;
  private nextId = 0;

  constructor(
    readonly id: string,
    public principal: Principal,
    public scope: Scope,
  ) {}

  /** A session is bound to the key that opened it. */
  ownedBy(principal: Principal): boolean {
    if (this.principal.kind === 'master') return principal.kind === 'master';
    return principal.kind === 'virtual' && principal.key.id === this.principal.key.id;
  }

  /** Name of the key, for the log. */
  get keyName(): string {
    return this.principal.kind === 'master' ? 'master' : this.principal.key.name;
  }

  /** Whether a call is running or a stream is open (then the reaper leaves it alone). */
  get active(): boolean {
    return (this.inflight?.size ?? 0) > 0 || (this.stream !== null && !this.stream.destroyed);
  }

  /** Records a running request so `notifications/cancelled` can abort it. */
  track(id: RpcId, controller: CallCancel): void {
    (this.inflight ??= new Map()).set(id, controller);
  }

  untrack(id: RpcId): void {
    this.inflight?.delete(id);
    if (this.inflight?.size === 0) this.inflight = null;
  }

  /** The client cancelled request `id`. */
  cancel(id: RpcId, reason: string): void {
    this.inflight?.get(id)?.abort(new Error(reason || 'cancelled by the client'));
  }

  /** Sends a notification on the GET stream; false when the client has none open. */
  notify(method: string, params?: Record<string, unknown>): boolean {
    if (!this.initialized || !this.stream || this.stream.destroyed) return false;
    this.stream.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}) })}\n\n`);
    return true;
  }

  /** Sends a request to the client over `exchange` and waits for its answer. */
  request(exchange: Exchange, method: string, params: unknown, signal: CancelSignal): Promise<Record<string, unknown>> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        this.pending?.delete(id);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => (settle(), reject(new RpcError(RPC.requestTimeout, 'the call was cancelled')));
      const timer = setTimeout(() => (settle(), reject(new RpcError(RPC.requestTimeout, `the client did not answer ${method} in time`))), CLIENT_REQUEST_TIMEOUT_MS);
      timer.unref();
      (this.pending ??= new Map()).set(id, {
        resolve: (result: Record<string, unknown>) => (settle(), resolve(result)),
        reject: (error: Error) => (settle(), reject(error)),
        timer,
      });
      signal.addEventListener('abort', onAbort, { once: true });
      if (!exchange.send({ jsonrpc: '2.0', id, method, params })) {
        settle();
        reject(new RpcError(RPC.internalError, `cannot send ${method}: the client does not accept a stream`));
      }
    });
  }

  /** A response the client POSTed to one of our requests. */
  handleResponse(message: RpcMessage): void {
    const pending = typeof message.id === 'number' ? this.pending?.get(message.id) : undefined;
    if (!pending) return;
    if (message.error) pending.reject(new RpcError(message.error.code, message.error.message, message.error.data));
    else pending.resolve((message.result ?? {}) as Record<string, unknown>);
  }

  /** Ends the session: open calls are cancelled, the stream is closed. */
  close(): void {
    for (const controller of this.inflight?.values() ?? []) controller.abort(new Error('the session ended'));
    for (const pending of this.pending?.values() ?? []) pending.reject(new Error('the session ended'));
    this.inflight = null;
    this.pending = null;
    if (this.stream && !this.stream.destroyed) this.stream.end();
    this.stream = null;
  }
}
