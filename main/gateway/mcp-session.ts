import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../../shared/types';
import type { Catalog, Scope } from '../mcp/catalog';
import { PASSTHROUGH, type DownstreamPeer } from '../mcp/connection';
import type { ToolCaller } from '../mcp/tool-caller';

/** What every session needs from the core. */
export interface SessionDeps {
  caller: ToolCaller;
  version: string;
  serverExists: (name: string) => boolean;
}

type Extra = Parameters<Parameters<Server['setRequestHandler']>[1]>[1];

/**
 * One downstream MCP session: an SDK `Server` whose handlers answer from the catalog and route
 * calls to the owning upstream. It holds only its scope and a few timestamps.
 */
export class McpSession {
  readonly server: Server;
  lastSeen = Date.now();
  private inFlight = 0;
  private subscriptions: Set<string> | null = null;

  constructor(
    readonly transport: StreamableHTTPServerTransport,
    private readonly catalog: Catalog,
    private readonly deps: SessionDeps,
    private principal: Principal,
    private scope: Scope,
  ) {
    this.server = new Server(
      { name: 'gatehouse', version: deps.version },
      {
        capabilities: {
          tools: { listChanged: true },
          prompts: { listChanged: true },
          resources: { listChanged: true, subscribe: true },
          logging: {},
          completions: {},
        },
      },
    );
    this.registerHandlers();
  }

  /** Whether a call is running (the reaper leaves such a session alone). */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  connect(): Promise<void> {
    return this.server.connect(this.transport);
  }

  /** A session is bound to the key that opened it. */
  ownedBy(principal: Principal): boolean {
    if (this.principal.kind === 'master') return principal.kind === 'master';
    return principal.kind === 'virtual' && principal.key.id === this.principal.key.id;
  }

  /** Records a request: the newest key limits and scope apply from now on. */
  touch(principal: Principal, scope: Scope): void {
    this.lastSeen = Date.now();
    this.principal = principal;
    this.scope = scope;
  }

  /** Tells the client its lists changed (only once it finished initializing). */
  listsChanged(): void {
    if (!this.server.getClientCapabilities()) return;
    void this.server.sendToolListChanged().catch(() => undefined);
    void this.server.sendPromptListChanged().catch(() => undefined);
    void this.server.sendResourceListChanged().catch(() => undefined);
  }

  /** Forwards an upstream resource update if this session subscribed to it. */
  resourceUpdated(uri: string): void {
    if (this.subscriptions?.has(uri)) void this.server.sendResourceUpdated({ uri }).catch(() => undefined);
  }

  close(): Promise<void> {
    return this.server.close().catch(() => undefined);
  }

  private keyName(): string | null {
    return this.principal.kind === 'master' ? 'master' : this.principal.key.name;
  }

  private registerHandlers(): void {
    const s = this.server;
    s.setRequestHandler(ListToolsRequestSchema, () => ({ tools: this.catalog.visibleTools(this.scope) }));
    s.setRequestHandler(CallToolRequestSchema, (request, extra) => this.callTool(request.params, extra));
    s.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: this.catalog.visiblePrompts(this.scope) }));
    s.setRequestHandler(GetPromptRequestSchema, async (request, extra) => {
      const entry = this.catalog.resolvePrompt(request.params.name, this.scope);
      if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${request.params.name}`);
      return this.forward(entry.server, 'prompts/get', { ...request.params, name: entry.prompt.name }, extra) as never;
    });
    s.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: this.catalog.visibleResources(this.scope) }));
    s.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
      resourceTemplates: this.catalog.visibleResourceTemplates(this.scope),
    }));
    s.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
      return this.forward(this.resourceServer(request.params.uri), 'resources/read', request.params, extra) as never;
    });
    s.setRequestHandler(SubscribeRequestSchema, async (request, extra) => {
      const server = this.resourceServer(request.params.uri);
      (this.subscriptions ??= new Set()).add(request.params.uri);
      await this.forward(server, 'resources/subscribe', request.params, extra).catch(() => undefined);
      return {};
    });
    s.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
      this.subscriptions?.delete(request.params.uri);
      return {};
    });
    s.setRequestHandler(CompleteRequestSchema, async (request, extra) => {
      const ref = request.params.ref as { type: string; name?: string; uri?: string };
      if (ref.type === 'ref/prompt') {
        const entry = this.catalog.resolvePrompt(ref.name ?? '', this.scope);
        if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${ref.name}`);
        return this.forward(entry.server, 'completion/complete', { ...request.params, ref: { ...ref, name: entry.prompt.name } }, extra) as never;
      }
      const server = this.catalog.resolveTemplate(ref.uri ?? '', this.scope) ?? this.resourceServer(ref.uri ?? '');
      return this.forward(server, 'completion/complete', request.params, extra) as never;
    });
    s.setRequestHandler(SetLevelRequestSchema, async (request) => {
      await Promise.all(
        this.catalog.readyServers(this.scope).map((server) => {
          const connection = this.catalog.connection(server);
          return connection?.capabilities.logging ? connection.request('logging/setLevel', request.params).catch(() => undefined) : undefined;
        }),
      );
      return {};
    });
  }

  private async callTool(params: { name: string; arguments?: Record<string, unknown>; _meta?: Record<string, unknown> }, extra: Extra) {
    const entry = this.catalog.resolveTool(params.name, this.scope);
    if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${params.name}`);
    const progressToken = params._meta?.progressToken;
    this.inFlight++;
    this.lastSeen = Date.now();
    try {
      return (await this.deps.caller.call(entry, params.arguments, {
        surface: 'mcp',
        keyName: this.keyName(),
        signal: extra.signal,
        meta: params._meta,
        peer: this.peer(extra),
        onprogress:
          progressToken === undefined
            ? undefined
            : (progress) => void extra.sendNotification({ method: 'notifications/progress', params: { ...progress, progressToken } }).catch(() => undefined),
      })) as never;
    } finally {
      this.inFlight--;
      this.lastSeen = Date.now();
    }
  }

  private resourceServer(uri: string): string {
    const server = this.catalog.resolveResource(uri, this.scope);
    if (!server) throw new McpError(ErrorCode.InvalidParams, `Resource not found: ${uri}`);
    return server;
  }

  private async forward(server: string, method: string, params: Record<string, unknown>, extra: Extra) {
    const connection = this.catalog.connection(server);
    if (!connection) throw new McpError(ErrorCode.InternalError, `server ${server} is not ready`);
    return connection.withPeer(this.peer(extra), () => connection.request(method, params, { signal: extra.signal }));
  }

  private peer(extra: Extra): DownstreamPeer {
    return {
      request: (request) => extra.sendRequest({ method: request.method, params: request.params } as never, PASSTHROUGH) as never,
      notify: (notification) => extra.sendNotification(notification as never),
    };
  }
}
