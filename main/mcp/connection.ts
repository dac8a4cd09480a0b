import { EventEmitter } from 'node:events';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type {
  Prompt,
  Resource,
  ResourceTemplate,
  ServerCapabilities,
  Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { ServerConfig } from '../../shared/types';
import { childEnv } from './child-env';
import type { OrphanGuard } from './orphan-guard';
import { ErrorCode, McpError } from './protocol';
import { type ChannelRequestOptions, type Incoming, RpcChannel } from './rpc-channel';
import { ChildStdioTransport } from './stdio-transport';

/** How long connecting and the initialize handshake may take (npx may install first). */
export const CONNECT_TIMEOUT_MS = 60_000;
/** What Gatehouse offers servers: it forwards these to the downstream client that made the call. */
const CLIENT_CAPABILITIES = { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } };
/** How long a list request may take. */
export const LIST_TIMEOUT_MS = 30_000;
/** Most pages read from one paginated list. */
const MAX_LIST_PAGES = 100;

/**
 * A downstream caller that upstream requests (sampling, elicitation, roots) and notifications
 * (logging, resource updates) made during its call are sent back to.
 */
export interface DownstreamPeer {
  request(request: Incoming): Promise<Record<string, unknown>>;
  notify(notification: Incoming): Promise<void>;
}

/** What the server offers, refreshed on its list_changed notifications. */
export interface UpstreamLists {
  tools: Tool[];
  prompts: Prompt[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
}

/** Dependencies shared by every connection. */
export interface ConnectionDeps {
  guard: OrphanGuard;
  /** The PATH to start a stdio server's command with. */
  loginPath: (command: string) => Promise<string>;
  /** The login shell's proxy and certificate variables, once it has answered (see LoginPath). */
  loginNetwork?: () => Record<string, string>;
  version: string;
}

/**
 * One live connection to one upstream MCP server through the gateway's own client (RpcChannel). Emits `lists` when
 * what it offers changes, and `close` when the connection ends for any reason.
 */
export class UpstreamConnection extends EventEmitter {
  lists: UpstreamLists = { tools: [], prompts: [], resources: [], resourceTemplates: [] };
  private transport: Transport | null = null;
  private channel: RpcChannel | null = null;
  /**
   * Downstream callers with a call in flight here, newest last. An array, not a Set: see
   * PendingTable in rpc-channel.ts for what a Set with an add and a delete per call costs.
   */
  private readonly peers: DownstreamPeer[] = [];
  private closing = false;

  constructor(
    readonly config: ServerConfig,
    private readonly deps: ConnectionDeps,
  ) {
    super();
  }

  /** Last stderr lines of a stdio child. */
  get stderr(): string[] {
    return this.transport instanceof ChildStdioTransport ? [...this.transport.stderrLines] : [];
  }

  get capabilities(): ServerCapabilities {
    return (this.channel?.handshake?.capabilities ?? {}) as ServerCapabilities;
  }

  /** Starts the transport (spawns a stdio child), runs the handshake and reads every list. */
  async connect(): Promise<void> {
    this.transport = await this.createTransport();
    const channel = new RpcChannel(this.transport, {
      request: (request) => this.forwardRequest(request),
      notification: (notification) => this.forwardNotification(notification),
    });
    channel.onclose = () => this.emit('close');
    this.channel = channel;
    if (this.closing) throw new Error('stopped while starting');
    await channel.connect({ name: 'gatehouse', version: this.deps.version }, CLIENT_CAPABILITIES, CONNECT_TIMEOUT_MS);
    await this.refreshAll();
  }

  /** Sends one request upstream; the result is returned unvalidated. */
  request(method: string, params: Record<string, unknown> | undefined, options: ChannelRequestOptions = {}): Promise<Record<string, unknown>> {
    if (!this.channel) return Promise.reject(new McpError(ErrorCode.ConnectionClosed, 'not connected'));
    return this.channel.request(method, params, options);
  }

  /** Runs `work` with `peer` as the target of what the server sends back meanwhile. */
  async withPeer<T>(peer: DownstreamPeer | undefined, work: () => Promise<T>): Promise<T> {
    if (!peer) return work();
    this.peers.push(peer);
    try {
      return await work();
    } finally {
      const index = this.peers.lastIndexOf(peer);
      if (index !== -1) this.peers.splice(index, 1);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.channel?.close().catch(() => undefined);
  }

  get isClosing(): boolean {
    return this.closing;
  }

  private async createTransport(): Promise<Transport> {
    const { config } = this;
    if (config.transport === 'stdio') {
      if (!config.command) throw new Error('no command set for this stdio server');
      return new ChildStdioTransport(
        {
          command: config.command,
          args: config.args,
          env: childEnv(await this.deps.loginPath(config.command), config.env, this.deps.loginNetwork?.()),
          cwd: config.cwd ?? undefined,
        },
        this.deps.guard,
      );
    }
    if (!config.url) throw new Error(`no url set for this ${config.transport} server`);
    const url = new URL(config.url);
    const requestInit = { headers: config.headers };
    if (config.transport === 'sse') {
      const { SSEClientTransport } = require('@modelcontextprotocol/sdk/client/sse.js') as typeof import('@modelcontextprotocol/sdk/client/sse.js');
      return new SSEClientTransport(url, { requestInit, eventSourceInit: { fetch: withHeaders(config.headers) } });
    }
    const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js') as typeof import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    return new StreamableHTTPClientTransport(url, { requestInit });
  }

  private async refreshAll(): Promise<void> {
    const caps = this.capabilities;
    const [tools, prompts, resources, resourceTemplates] = await Promise.all([
      caps.tools ? this.listAll('tools/list', 'tools') : [],
      caps.prompts ? this.listAll('prompts/list', 'prompts') : [],
      caps.resources ? this.listAll('resources/list', 'resources') : [],
      caps.resources ? this.listAll('resources/templates/list', 'resourceTemplates').catch(() => []) : [],
    ]);
    this.lists = {
      tools: tools.filter(hasName) as Tool[],
      prompts: prompts.filter(hasName) as Prompt[],
      resources: resources.filter((item) => typeof item.uri === 'string') as Resource[],
      resourceTemplates: resourceTemplates.filter((item) => typeof item.uriTemplate === 'string') as ResourceTemplate[],
    };
  }

  private async listAll(method: string, field: string): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const result = await this.request(method, cursor ? { cursor } : undefined, { timeout: LIST_TIMEOUT_MS });
      const batch = result[field];
      if (Array.isArray(batch)) items.push(...(batch as Array<Record<string, unknown>>));
      cursor = typeof result.nextCursor === 'string' && result.nextCursor ? result.nextCursor : undefined;
      if (!cursor) break;
    }
    return items;
  }

  private async refresh(kind: 'tools' | 'prompts' | 'resources'): Promise<void> {
    try {
      if (kind === 'tools') this.lists = { ...this.lists, tools: (await this.listAll('tools/list', 'tools')).filter(hasName) as Tool[] };
      if (kind === 'prompts') this.lists = { ...this.lists, prompts: (await this.listAll('prompts/list', 'prompts')).filter(hasName) as Prompt[] };
      if (kind === 'resources') {
        const resources = (await this.listAll('resources/list', 'resources')) as Resource[];
        const templates = (await this.listAll('resources/templates/list', 'resourceTemplates').catch(() => [])) as ResourceTemplate[];
        this.lists = { ...this.lists, resources, resourceTemplates: templates };
      }
      this.emit('lists', kind);
    } catch (error) {
      this.emit('warning', `could not refresh ${kind}: ${(error as Error).message}`);
    }
  }

  private latestPeer(): DownstreamPeer | undefined {
    return this.peers[this.peers.length - 1];
  }

  private async forwardRequest(request: Incoming): Promise<Record<string, unknown>> {
    const peer = this.latestPeer();
    if (request.method === 'roots/list' && !peer) return { roots: [] };
    if (!peer) throw new McpError(ErrorCode.MethodNotFound, `${request.method} is only available during a tool call`);
    return peer.request(request);
  }

  private async forwardNotification(notification: Incoming): Promise<void> {
    switch (notification.method) {
      case 'notifications/tools/list_changed':
        return this.refresh('tools');
      case 'notifications/prompts/list_changed':
        return this.refresh('prompts');
      case 'notifications/resources/list_changed':
        return this.refresh('resources');
      case 'notifications/resources/updated':
        this.emit('resource-updated', notification.params);
        return;
      default: {
        const peer = this.latestPeer();
        if (peer) await peer.notify(notification).catch(() => undefined);
        else if (notification.method === 'notifications/message') this.emit('log-message', notification.params);
      }
    }
  }
}

function hasName(item: Record<string, unknown>): boolean {
  return typeof item.name === 'string' && item.name.length > 0;
}

/** The SSE transport's EventSource needs the headers passed through its own fetch. */
function withHeaders(headers: Record<string, string>): typeof fetch {
  return (input, init) => {
    const merged = new Headers(init?.headers);
    for (const [key, value] of Object.entries(headers)) merged.set(key, value);
    return fetch(input, { ...init, headers: merged });
  };
}
