import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../mcp/protocol';
import type { Principal } from '../../shared/types';
import type { Catalog, Scope } from '../mcp/catalog';
import type { ToolCaller } from '../mcp/tool-caller';
import { HttpError } from './http-error';
import { RPC, type RpcMessage, parseMessages, rpcError, rpcResult, sendRpcError } from './json-rpc';
import { dispatch, toRpcError } from './mcp-methods';
import { Exchange, McpSession } from './mcp-session';
import { readBody } from './request-body';

/** A session unused this long (and with no open stream or call) is closed. */
export const SESSION_IDLE_MS = 30 * 60_000;
/** Most sessions kept at once; past it the longest idle one goes. */
export const SESSION_MAX = 50_000;
/** SSE comment interval that keeps standing GET streams open through proxies. */
const KEEPALIVE_MS = 25_000;
/** Delay that folds a burst of catalog changes into one list_changed. */
const LIST_CHANGED_DEBOUNCE_MS = 50;

/** What the endpoint needs from the core. */
export interface McpEndpointDeps {
  catalog: Catalog;
  caller: ToolCaller;
  version: string;
  serverExists: (name: string) => boolean;
}

/**
 * `/mcp`, `/mcp/<server>` and `/mcp/<a>,<b>`: the MCP Streamable HTTP transport for downstream
 * clients, written for the gateway's hot path. A session is a small object, not a server
 * instance; a POST answers with JSON and turns into SSE only when something must be streamed.
 * The scope (servers, tools, prefixed names) comes from the path, `x-mcp-servers` and the key,
 * and is re-read on every request so a changed or revoked key applies at once.
 */
export class McpEndpoint {
  private readonly sessions = new Map<string, McpSession>();
  private readonly timers: NodeJS.Timeout[];
  private notifyTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: McpEndpointDeps,
    private readonly idleMs = SESSION_IDLE_MS,
  ) {
    this.timers = [
      setInterval(() => this.reap(), Math.min(60_000, Math.max(50, idleMs / 2))).unref(),
      setInterval(() => this.keepAlive(), KEEPALIVE_MS).unref(),
    ];
    deps.catalog.on('changed', () => {
      this.notifyTimer ??= setTimeout(() => {
        this.notifyTimer = null;
        for (const session of this.sessions.values()) this.tellListsChanged(session);
      }, LIST_CHANGED_DEBOUNCE_MS);
    });
  }

  /** Number of open sessions. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Ends the sessions of a revoked or changed key at once, streams included. */
  dropKey(keyId: string): void {
    for (const session of this.sessions.values()) {
      if (session.principal.kind === 'virtual' && session.principal.key.id === keyId) this.drop(session);
    }
  }

  /** A key's limits changed: its sessions should list again (the new scope applies on their next request). */
  keyChanged(keyId: string): void {
    for (const session of this.sessions.values()) {
      if (session.principal.kind !== 'virtual' || session.principal.key.id !== keyId) continue;
      session.notify('notifications/tools/list_changed');
      session.notify('notifications/prompts/list_changed');
      session.notify('notifications/resources/list_changed');
    }
  }

  /** Sends list_changed to a session, unless it already knows the current lists. */
  private tellListsChanged(session: McpSession): void {
    if (session.listedVersion >= this.deps.catalog.version) return;
    const delivered = session.notify('notifications/tools/list_changed');
    session.notify('notifications/prompts/list_changed');
    session.notify('notifications/resources/list_changed');
    if (delivered) session.listedVersion = this.deps.catalog.version;
  }

  /** Forwards an upstream resource update to the sessions that subscribed to it. */
  resourceUpdated(uri: string): void {
    for (const session of this.sessions.values()) if (session.subscriptions?.has(uri)) session.notify('notifications/resources/updated', { uri });
  }

  /** Handles one HTTP request under `/mcp`; `rest` is the path after `/mcp`. */
  async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, rest: string): Promise<void> {
    const scope = this.scopeFor(principal, rest, req.headers['x-mcp-servers']);
    const version = header(req, 'mcp-protocol-version');
    if (version && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      return sendRpcError(res, 400, RPC.serverError, `Bad Request: unsupported MCP-Protocol-Version ${version}`);
    }
    if (req.method === 'POST') return this.post(req, res, principal, scope);
    const session = this.sessionOf(req, res, principal, scope);
    if (!session) return;
    if (req.method === 'GET') return this.openStream(req, res, session);
    if (req.method === 'DELETE') {
      this.drop(session);
      res.writeHead(200).end();
      return;
    }
    res.writeHead(405, { allow: 'GET, POST, DELETE' });
    res.end();
  }

  /** Ends every session (pause); clients must initialize again. */
  dropAll(): void {
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
  }

  /** Ends every session and stops the timers (shutdown). */
  closeAll(): void {
    for (const timer of this.timers) clearInterval(timer);
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    this.dropAll();
  }

  /** Closes sessions idle for longer than the limit. */
  reap(now = Date.now()): void {
    for (const session of this.sessions.values()) {
      if (now - session.lastSeen > this.idleMs && !session.active) this.drop(session);
    }
  }

  private async post(req: IncomingMessage, res: ServerResponse, principal: Principal, scope: Scope): Promise<void> {
    const contentType = header(req, 'content-type') ?? '';
    if (!contentType.includes('application/json')) {
      return sendRpcError(res, 415, RPC.serverError, 'Unsupported Media Type: Content-Type must be application/json');
    }
    const parsed = parseMessages(await readBody(req));
    if (parsed instanceof Error) return sendRpcError(res, 400, parsed.code, parsed.message);
    const { messages, batch } = parsed;
    const initialize = messages.find((message) => message.method === 'initialize');
    let session: McpSession | null;
    if (initialize) {
      if (messages.length > 1) return sendRpcError(res, 400, RPC.invalidRequest, 'Invalid Request: initialize must be sent alone');
      if (initialize.id === undefined) return sendRpcError(res, 400, RPC.invalidRequest, 'Invalid Request: initialize needs an id');
      session = new McpSession(randomUUID(), principal, scope);
    } else {
      session = this.sessionOf(req, res, principal, scope);
      if (!session) return;
    }
    const accept = header(req, 'accept') ?? '';
    const headers: Record<string, string> = { 'mcp-session-id': session.id };
    const exchange = new Exchange(res, accept.includes('text/event-stream') || accept.includes('*/*'), headers);
    const requests: RpcMessage[] = [];
    for (const message of messages) {
      if (message.method === undefined) session.handleResponse(message);
      else if (message.id === undefined) this.notification(session, message);
      else requests.push(message);
    }
    if (!requests.length) {
      res.writeHead(202, headers).end();
      return;
    }
    const replies = await Promise.all(requests.map((message) => this.run(session, exchange, message)));
    if (initialize) this.register(session);
    exchange.finish(replies, batch);
  }

  private async run(session: McpSession, exchange: Exchange, message: RpcMessage): Promise<object> {
    const id = message.id!;
    const controller = exchange.begin();
    session.track(id, controller);
    try {
      const result = await dispatch(
        { session, exchange, signal: controller.signal, catalog: this.deps.catalog, caller: this.deps.caller, version: this.deps.version },
        message.method!,
        message.params ?? {},
      );
      return rpcResult(id, result);
    } catch (error) {
      const problem = toRpcError(error);
      return rpcError(id, problem.code, problem.message, problem.data);
    } finally {
      session.untrack(id);
      exchange.end(controller);
      session.lastSeen = Date.now();
    }
  }

  private notification(session: McpSession, message: RpcMessage): void {
    if (message.method === 'notifications/initialized') session.initialized = true;
    else if (message.method === 'notifications/cancelled') {
      const id = message.params?.requestId;
      if (typeof id === 'string' || typeof id === 'number') session.cancel(id, String(message.params?.reason ?? ''));
    }
  }

  private openStream(req: IncomingMessage, res: ServerResponse, session: McpSession): void {
    if (!(header(req, 'accept') ?? '').includes('text/event-stream')) {
      return sendRpcError(res, 406, RPC.serverError, 'Not Acceptable: GET needs Accept: text/event-stream');
    }
    if (session.stream && !session.stream.destroyed) {
      return sendRpcError(res, 409, RPC.serverError, 'Conflict: this session already has a stream open');
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'mcp-session-id': session.id });
    res.flushHeaders();
    session.stream = res;
    // What changed while the client had no stream open would otherwise never reach it.
    this.tellListsChanged(session);
    res.once('close', () => {
      if (session.stream === res) session.stream = null;
      session.lastSeen = Date.now();
    });
  }

  /** The session a request names, or null after answering 400/404/403. */
  private sessionOf(req: IncomingMessage, res: ServerResponse, principal: Principal, scope: Scope): McpSession | null {
    const id = header(req, 'mcp-session-id');
    if (!id) {
      sendRpcError(res, 400, RPC.serverError, 'Bad Request: send initialize first, then the Mcp-Session-Id header it returns');
      return null;
    }
    const session = this.sessions.get(id);
    if (!session) {
      sendRpcError(res, 404, RPC.sessionNotFound, 'Session not found; initialize a new session');
      return null;
    }
    if (!session.ownedBy(principal)) {
      sendRpcError(res, 403, RPC.serverError, 'this session belongs to another key');
      return null;
    }
    session.lastSeen = Date.now();
    session.principal = principal;
    session.scope = scope;
    return session;
  }

  private register(session: McpSession): void {
    this.sessions.set(session.id, session);
    if (this.sessions.size <= SESSION_MAX) return;
    let oldest: McpSession | null = null;
    for (const candidate of this.sessions.values()) if (!candidate.active && (!oldest || candidate.lastSeen < oldest.lastSeen)) oldest = candidate;
    if (oldest) this.drop(oldest);
  }

  private drop(session: McpSession): void {
    this.sessions.delete(session.id);
    session.close();
  }

  private keepAlive(): void {
    for (const session of this.sessions.values()) if (session.stream && !session.stream.destroyed) session.stream.write(': keep-alive\n\n');
  }

  private scopeFor(principal: Principal, rest: string, narrowHeader: string | string[] | undefined): Scope {
    const key = principal.kind === 'virtual' ? principal.key : null;
    let servers: Set<string> | null = key?.servers ? new Set(key.servers) : null;
    let prefixed = true;
    const path = safeDecode(rest.replace(/^\/+|\/+$/g, ''));
    if (path) {
      const named = path.split(',').map((name) => name.trim()).filter(Boolean);
      for (const name of named) {
        if (!this.deps.serverExists(name)) throw new HttpError(404, 'not_found', `no MCP server named ${name}`);
        if (servers && !servers.has(name)) throw new HttpError(403, 'forbidden', `this key may not use server ${name}`);
      }
      servers = new Set(named);
      prefixed = named.length > 1;
    }
    const narrow = Array.isArray(narrowHeader) ? narrowHeader.join(',') : narrowHeader;
    if (narrow) {
      const wanted = narrow.split(',').map((name) => name.trim()).filter(Boolean);
      servers = new Set(wanted.filter((name) => !servers || servers.has(name)));
    }
    return { servers, tools: key?.tools ? new Set(key.tools) : null, prefixed };
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new HttpError(400, 'bad_request', 'the path is not valid URL encoding');
  }
}

/** Answers with a JSON-RPC error object (used by the HTTP layer for /mcp failures). */
export { sendRpcError as sendJsonRpcError } from './json-rpc';
