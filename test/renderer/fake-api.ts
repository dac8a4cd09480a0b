import { ApiClient } from '../../renderer/src/lib/api-client';
import { Dashboard } from '../../renderer/src/state/dashboard';
import type { KeyInfo, LogEntry, ServerView, Settings, ToolView } from '../../shared/types';
import type { ProviderView } from '../../shared/providers';

/** One request the dashboard made. */
export interface Recorded {
  method: string;
  path: string;
  body: unknown;
}

type Handler = (body: any, params: Record<string, string>, query: URLSearchParams) => unknown;

/** An answer that is an admin API error. */
export class Failure {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly code = 'bad_request',
  ) {}
}

/**
 * The admin API in memory, as a `fetch` for the dashboard under test: the same routes and
 * shapes (CONTRACT.md), errors as `{"error":{"message","code"}}`, and the log stream as SSE.
 */
export class FakeApi {
  servers: ServerView[] = [];
  tools: ToolView[] = [];
  keys: KeyInfo[] = [];
  providers: ProviderView[] = [];
  logs: LogEntry[] = [];
  approvals: any[] = [];
  settings: Settings = { port: 4000, host: '127.0.0.1', logRetentionCount: 100_000, logRetentionDays: 30, startAtLogin: false };
  masterKey = 'sk-gatehouse-master-test';
  requests: Recorded[] = [];
  /** Answers that override a route once set: `"PATCH /api/tools/:name"` → handler. */
  overrides = new Map<string, Handler>();
  private streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  private routes: Array<[string, RegExp, string[], Handler]> = [];

  constructor() {
    this.route('GET /api/status', () => ({
      version: '0.1.0',
      url: 'http://127.0.0.1:4000',
      uptimeMs: 60_000,
      secretStorage: { kind: 'key file', warning: null },
      counts: { servers: this.servers.length, ready: 0, error: 0, tools: this.tools.length, sessions: 0, keys: this.keys.length },
    }));
    this.route('GET /api/servers', () => this.servers);
    this.route('POST /api/servers', (body) => {
      const view = { transport: 'stdio', command: null, args: [], env: {}, cwd: null, url: null, headers: {}, enabled: true, toolTimeoutMs: 60_000, ...body, status: 'starting', error: null, toolCount: 0, stderr: [] };
      this.servers.push(view);
      return view;
    });
    this.route('PATCH /api/servers/:name', (body, { name }) => this.replaceServer(name, body));
    this.route('DELETE /api/servers/:name', (_body, { name }) => ((this.servers = this.servers.filter((server) => server.name !== name)), { deleted: name }));
    this.route('POST /api/servers/:name/restart', (_body, { name }) => this.replaceServer(name, { status: 'starting' }));
    this.route('POST /api/import', (body, _params, query) => {
      const map = body.mcpServers ?? body.servers ?? {};
      const added = Object.entries(map).map(([name, entry]: [string, any]) => ({ name: name.replace(/-/g, '_'), transport: entry.url ? 'http' : 'stdio', command: entry.command ?? null, args: entry.args ?? [], env: {}, cwd: null, url: entry.url ?? null, headers: {}, enabled: true, toolTimeoutMs: 60_000 }));
      const renamed = Object.keys(map).filter((name) => name.includes('-')).map((name) => ({ from: name, to: name.replace(/-/g, '_') }));
      return { dryRun: query.get('dryRun') === 'true', added, renamed, skipped: [] };
    });
    this.route('GET /api/tools', () => this.tools);
    this.route('PATCH /api/tools/:name', (body, { name }) => {
      this.tools = this.tools.map((tool) => (tool.name === name ? { ...tool, ...body } : tool));
      return this.tools.find((tool) => tool.name === name);
    });
    this.route('POST /api/tools/:name/call', (body) => ({ content: [{ type: 'text', text: `called with ${JSON.stringify(body.arguments)}` }] }));
    this.route('GET /api/keys', () => this.keys);
    this.route('POST /api/keys', (body) => {
      const info: KeyInfo = { id: `id-${this.keys.length + 1}`, servers: null, tools: null, models: null, expiresAt: null, ...body, createdAt: new Date().toISOString(), lastUsedAt: null };
      this.keys.push(info);
      return { ...info, key: `sk-gh-secret${this.keys.length}` };
    });
    this.route('DELETE /api/keys/:id', (_body, { id }) => ((this.keys = this.keys.filter((key) => key.id !== id)), { revoked: id }));
    this.route('GET /api/providers', () => this.providers);
    this.route('GET /api/providers/presets', () => [
      { preset: 'openai', name: 'openai', baseUrl: 'https://api.openai.com/v1', api: 'responses', models: ['gpt-5'], needsKey: true },
      { preset: 'ollama', name: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1', api: 'chat', models: [], needsKey: false },
    ]);
    this.route('POST /api/providers', (body) => {
      const view: ProviderView = { id: `p${this.providers.length + 1}`, name: body.name, baseUrl: body.baseUrl, api: body.api, models: body.models ?? [], aliases: body.aliases ?? {}, hasApiKey: Boolean(body.apiKey), createdAt: new Date().toISOString() };
      this.providers.push(view);
      return view;
    });
    this.route('POST /api/providers/:id/test', () => ({ ok: false, status: 502, error: 'cannot reach ollama at http://127.0.0.1:11434/v1; is it running?' }));
    this.route('GET /api/logs', (_body, _params, query) => {
      const before = Number(query.get('before') ?? Infinity);
      return [...this.logs]
        .sort((a, b) => b.id - a.id)
        .filter((entry) => entry.id < before && (query.get('status') !== 'error' || entry.isError) && (!query.get('server') || entry.server === query.get('server')))
        .slice(0, Number(query.get('limit') ?? 100));
    });
    this.route('GET /api/approvals', () => this.approvals);
    this.route('POST /api/approvals/:id', (body, { id }) => ((this.approvals = this.approvals.filter((call) => call.id !== id)), { id, decision: body.decision }));
    this.route('GET /api/settings', () => this.settings);
    this.route('PATCH /api/settings', (body) => (this.settings = { ...this.settings, ...body }));
  }

  /** The dashboard's fetch. */
  fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'http://127.0.0.1:4000');
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    this.requests.push({ method, path: url.pathname + url.search, body });
    const auth = new Headers(init.headers).get('authorization');
    if (auth !== `Bearer ${this.masterKey}`) return json(401, { error: { message: 'invalid, expired or revoked key', code: 'unauthorized' } });
    if (method === 'GET' && url.pathname === '/api/logs/stream') return this.openStream(init.signal ?? undefined);
    for (const [verb, pattern, names, handler] of this.routes) {
      const match = verb === method ? pattern.exec(url.pathname) : null;
      if (!match) continue;
      const params = Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1])]));
      const key = `${verb} ${pattern.source}`;
      const result = (this.overrides.get(key) ?? handler)(body, params, url.searchParams);
      if (result instanceof Failure) return json(result.status, { error: { message: result.message, code: result.code } });
      return json(method === 'POST' && /\/api\/(servers|keys|providers)$/.test(url.pathname) ? 201 : 200, result);
    }
    return json(404, { error: { message: `no admin route ${url.pathname}`, code: 'not_found' } });
  };

  /** Makes one route answer differently, e.g. with a Failure. */
  override(route: string, handler: Handler): void {
    this.overrides.set(`${route.split(' ')[0]} ${this.compile(route.split(' ')[1])[0].source}`, handler);
  }

  /** Sends a log entry to every open stream, as the gateway does when a call is logged. */
  emitLog(entry: LogEntry): void {
    this.logs.push(entry);
    const frame = new TextEncoder().encode(`event: log\nid: ${entry.id}\ndata: ${JSON.stringify(entry)}\n\n`);
    for (const controller of this.streams) controller.enqueue(frame);
  }

  /** How many log streams are open. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Requests matching a method and a path prefix. */
  made(method: string, pathPrefix: string): Recorded[] {
    return this.requests.filter((request) => request.method === method && request.path.startsWith(pathPrefix));
  }

  private openStream(signal: AbortSignal | undefined): Response {
    let own: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        own = controller;
        this.streams.add(controller);
        controller.enqueue(new TextEncoder().encode(': connected\n\n'));
      },
      cancel: () => void this.streams.delete(own),
    });
    signal?.addEventListener('abort', () => {
      this.streams.delete(own);
      own.error(new DOMException('aborted', 'AbortError'));
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  }

  private route(spec: string, handler: Handler): void {
    const [verb, path] = spec.split(' ');
    const [pattern, names] = this.compile(path);
    this.routes.push([verb, pattern, names, handler]);
  }

  private compile(path: string): [RegExp, string[]] {
    const names: string[] = [];
    const source = path.replace(/:(\w+)/g, (_match, name: string) => (names.push(name), '([^/]+)'));
    return [new RegExp(`^${source}$`), names];
  }

  private replaceServer(name: string, patch: Partial<ServerView>): ServerView | Failure {
    const index = this.servers.findIndex((server) => server.name === name);
    if (index === -1) return new Failure(404, `no server named ${name}`, 'not_found');
    this.servers[index] = { ...this.servers[index], ...patch };
    return this.servers[index];
  }
}

function json(status: number, value: unknown): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
}

/** A server as the API shows it. */
export function serverView(name: string, patch: Partial<ServerView> = {}): ServerView {
  return { name, transport: 'stdio', command: 'node', args: ['server.js'], env: {}, cwd: null, url: null, headers: {}, enabled: true, toolTimeoutMs: 60_000, status: 'ready', error: null, toolCount: 2, stderr: [], ...patch };
}

/** A tool as the API shows it. */
export function toolView(server: string, tool: string, patch: Partial<ToolView> = {}): ToolView {
  return { name: `${server}-${tool}`, server, tool, title: null, description: `The ${tool} tool`, inputSchema: { type: 'object', properties: {} }, annotations: null, enabled: true, approval: 'never', ...patch };
}

/** A log entry. */
export function logEntry(id: number, patch: Partial<LogEntry> = {}): LogEntry {
  return { id, ts: new Date(Date.UTC(2026, 0, 1, 12, 0, 0, id)).toISOString(), surface: 'mcp', key: 'cursor', server: 'everything', tool: 'echo', arguments: { message: `call ${id}` }, result: { content: [{ type: 'text', text: `Echo: call ${id}` }] }, isError: false, durationMs: 3, ...patch };
}

/** The dashboard's state over a fake API, as App.svelte builds it over the real one. */
export function dashboardOver(api: FakeApi): Dashboard {
  return new Dashboard(new ApiClient(() => ({ baseUrl: '', key: api.masterKey }), api.fetch));
}
