import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Principal } from '../../shared/types';
import { readBody } from './request-body';
import { HttpError } from './http-error';
import type { Catalog, Scope } from '../mcp/catalog';
import { McpSession, type SessionDeps } from './mcp-session';

/** A session unused this long is closed. */
export const SESSION_IDLE_MS = 30 * 60_000;
/** How often idle sessions are looked for. */
export const SESSION_REAP_INTERVAL_MS = 60_000;
/** Most sessions kept at once; past it the longest idle one goes. */
export const SESSION_MAX = 50_000;
/** Delay that folds a burst of catalog changes into one list_changed. */
const LIST_CHANGED_DEBOUNCE_MS = 50;

/**
 * `/mcp`, `/mcp/<server>` and `/mcp/<a>,<b>`: MCP over Streamable HTTP for downstream clients.
 * One SDK transport and one small session object per client session; the scope (which servers
 * and tools, prefixed or not) is fixed by the path and `x-mcp-servers`, and the key's limits are
 * applied on every request so a changed or revoked key takes effect at once.
 */
export class McpEndpoint {
  private readonly sessions = new Map<string, McpSession>();
  private readonly reaper: NodeJS.Timeout;
  private notifyTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly catalog: Catalog,
    private readonly deps: SessionDeps,
    private readonly idleMs = SESSION_IDLE_MS,
  ) {
    this.reaper = setInterval(() => this.reap(), Math.min(SESSION_REAP_INTERVAL_MS, idleMs)).unref();
    catalog.on('changed', () => {
      this.notifyTimer ??= setTimeout(() => {
        this.notifyTimer = null;
        for (const session of this.sessions.values()) session.listsChanged();
      }, LIST_CHANGED_DEBOUNCE_MS);
    });
  }

  /** Number of open sessions. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Handles one HTTP request under `/mcp`; `rest` is the path after `/mcp`. */
  async handle(req: IncomingMessage, res: ServerResponse, principal: Principal, rest: string): Promise<void> {
    const scope = this.scopeFor(principal, rest, req.headers['x-mcp-servers']);
    const sessionId = header(req, 'mcp-session-id');
    let body: unknown;
    if (req.method === 'POST') {
      body = parseJsonRpc(await readBody(req));
      if (body instanceof JsonRpcProblem) return sendJsonRpcError(res, 400, body.code, body.message);
    }
    if (sessionId) {
      const session = this.sessions.get(sessionId);
      if (!session) return sendJsonRpcError(res, 404, -32001, 'Session not found; initialize a new session');
      if (!session.ownedBy(principal)) return sendJsonRpcError(res, 403, -32000, 'this session belongs to another key');
      session.touch(principal, scope);
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitialize(body)) {
      return sendJsonRpcError(res, 400, -32000, 'Bad Request: send initialize first, or the Mcp-Session-Id header');
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        this.sessions.set(id, session);
        if (this.sessions.size > SESSION_MAX) this.evictOldest();
      },
      onsessionclosed: (id) => void this.sessions.delete(id),
    });
    const session = new McpSession(transport, this.catalog, this.deps, principal, scope);
    transport.onclose = () => transport.sessionId && this.sessions.delete(transport.sessionId);
    await session.connect();
    await transport.handleRequest(req, res, body);
  }

  /** Closes every session (shutdown). */
  async closeAll(): Promise<void> {
    clearInterval(this.reaper);
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map((session) => session.close()));
  }

  /** Closes sessions idle for longer than the limit. */
  reap(now = Date.now()): void {
    for (const [id, session] of this.sessions) {
      if (now - session.lastSeen > this.idleMs && !session.busy) {
        this.sessions.delete(id);
        void session.close();
      }
    }
  }

  private evictOldest(): void {
    let oldest: [string, McpSession] | null = null;
    for (const entry of this.sessions) if (!oldest || entry[1].lastSeen < oldest[1].lastSeen) oldest = entry;
    if (oldest) {
      this.sessions.delete(oldest[0]);
      void oldest[1].close();
    }
  }

  private scopeFor(principal: Principal, rest: string, narrowHeader: string | string[] | undefined): Scope {
    const key = principal.kind === 'virtual' ? principal.key : null;
    let servers: Set<string> | null = key?.servers ? new Set(key.servers) : null;
    let prefixed = true;
    const path = decodeURIComponent(rest.replace(/^\/+|\/+$/g, ''));
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

class JsonRpcProblem {
  constructor(
    readonly code: number,
    readonly message: string,
  ) {}
}

/** Parses a POST body and checks it is JSON-RPC 2.0 before the SDK sees it. */
function parseJsonRpc(raw: Buffer): unknown {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    return new JsonRpcProblem(-32700, 'Parse error: the body is not valid JSON');
  }
  const messages = Array.isArray(value) ? value : [value];
  if (!messages.length) return new JsonRpcProblem(-32600, 'Invalid Request: empty batch');
  for (const message of messages) {
    const ok =
      message !== null &&
      typeof message === 'object' &&
      (message as Record<string, unknown>).jsonrpc === '2.0' &&
      (typeof (message as Record<string, unknown>).method === 'string' || 'result' in message || 'error' in message);
    if (!ok) return new JsonRpcProblem(-32600, 'Invalid Request: not a JSON-RPC 2.0 message');
  }
  return value;
}

function isInitialize(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((message) => (message as { method?: unknown })?.method === 'initialize');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Answers with a JSON-RPC error object, as MCP clients expect on `/mcp`. */
export function sendJsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
