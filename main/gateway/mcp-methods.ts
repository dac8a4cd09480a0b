import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, isMcpError } from '../mcp/protocol';
import type { CancelSignal } from '../mcp/cancel';
import type { Catalog } from '../mcp/catalog';
import type { DownstreamPeer } from '../mcp/connection';
import type { ToolCaller } from '../mcp/tool-caller';
import { RPC, RpcError } from './json-rpc';
import type { Exchange, McpSession } from './mcp-session';

/** What a method handler works with. */
export interface MethodContext {
  session: McpSession;
  exchange: Exchange;
  signal: CancelSignal;
  catalog: Catalog;
  caller: ToolCaller;
  version: string;
}

type Params = Record<string, unknown>;
type Handler = (ctx: MethodContext, params: Params) => unknown;

/** What Gatehouse offers every client. */
export const SERVER_CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { listChanged: true, subscribe: true },
  logging: {},
  completions: {},
};

const str = (params: Params, field: string): string => {
  const value = params[field];
  if (typeof value !== 'string') throw new RpcError(RPC.invalidParams, `params.${field} must be a string`);
  return value;
};

const METHODS: Record<string, Handler> = {
  initialize: (ctx, params) => {
    const asked = typeof params.protocolVersion === 'string' ? params.protocolVersion : '';
    ctx.session.protocolVersion = SUPPORTED_PROTOCOL_VERSIONS.includes(asked) ? asked : LATEST_PROTOCOL_VERSION;
    ctx.session.clientCapabilities = (params.capabilities as Record<string, unknown>) ?? {};
    ctx.session.listedVersion = ctx.catalog.version;
    const info = params.clientInfo as { name?: unknown } | undefined;
    ctx.session.clientName = typeof info?.name === 'string' ? info.name.slice(0, 100) : null;
    return {
      protocolVersion: ctx.session.protocolVersion,
      capabilities: SERVER_CAPABILITIES,
      serverInfo: { name: 'gatehouse', title: 'Gatehouse', version: ctx.version },
    };
  },
  ping: () => ({}),
  'tools/list': (ctx) => ({ tools: ctx.catalog.visibleTools(ctx.session.scope) }),
  'tools/call': async (ctx, params) => {
    const name = str(params, 'name');
    const entry = ctx.catalog.resolveTool(name, ctx.session.scope);
    if (!entry) throw new RpcError(RPC.invalidParams, `Unknown tool: ${name}`);
    const args = params.arguments;
    if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
      throw new RpcError(RPC.invalidParams, 'params.arguments must be an object');
    }
    const meta = params._meta as Params | undefined;
    const progressToken = meta?.progressToken;
    return ctx.caller.call(entry, args as Params | undefined, {
      surface: 'mcp',
      keyName: ctx.session.keyName,
      client: ctx.session.clientName,
      signal: ctx.signal,
      meta,
      peer: peerOf(ctx),
      onprogress:
        progressToken === undefined
          ? undefined
          : (progress) => ctx.exchange.send({ jsonrpc: '2.0', method: 'notifications/progress', params: { ...progress, progressToken } }),
    });
  },
  'prompts/list': (ctx) => ({ prompts: ctx.catalog.visiblePrompts(ctx.session.scope) }),
  'prompts/get': (ctx, params) => {
    const name = str(params, 'name');
    const entry = ctx.catalog.resolvePrompt(name, ctx.session.scope);
    if (!entry) throw new RpcError(RPC.invalidParams, `Unknown prompt: ${name}`);
    return forward(ctx, entry.server, 'prompts/get', { ...params, name: entry.prompt.name });
  },
  'resources/list': (ctx) => ({ resources: ctx.catalog.visibleResources(ctx.session.scope) }),
  'resources/templates/list': (ctx) => ({ resourceTemplates: ctx.catalog.visibleResourceTemplates(ctx.session.scope) }),
  'resources/read': (ctx, params) => forward(ctx, resourceServer(ctx, str(params, 'uri')), 'resources/read', params),
  'resources/subscribe': async (ctx, params) => {
    const uri = str(params, 'uri');
    const server = resourceServer(ctx, uri);
    (ctx.session.subscriptions ??= new Set()).add(uri);
    const connection = ctx.catalog.connection(server);
    if (connection?.capabilities.resources?.subscribe) await forward(ctx, server, 'resources/subscribe', params);
    return {};
  },
  'resources/unsubscribe': (ctx, params) => {
    ctx.session.subscriptions?.delete(str(params, 'uri'));
    return {};
  },
  'completion/complete': (ctx, params) => {
    const ref = (params.ref ?? {}) as { type?: string; name?: string; uri?: string };
    if (ref.type === 'ref/prompt') {
      const entry = ctx.catalog.resolvePrompt(ref.name ?? '', ctx.session.scope);
      if (!entry) throw new RpcError(RPC.invalidParams, `Unknown prompt: ${ref.name}`);
      return forward(ctx, entry.server, 'completion/complete', { ...params, ref: { ...ref, name: entry.prompt.name } });
    }
    if (ref.type === 'ref/resource') {
      const uri = ref.uri ?? '';
      const server = ctx.catalog.resolveTemplate(uri, ctx.session.scope) ?? resourceServer(ctx, uri);
      return forward(ctx, server, 'completion/complete', params);
    }
    throw new RpcError(RPC.invalidParams, 'params.ref must be a ref/prompt or ref/resource');
  },
  'logging/setLevel': async (ctx, params) => {
    str(params, 'level');
    await Promise.all(
      ctx.catalog.readyServers(ctx.session.scope).map((server) => {
        const connection = ctx.catalog.connection(server);
        return connection?.capabilities.logging ? connection.request('logging/setLevel', params).catch(() => undefined) : undefined;
      }),
    );
    return {};
  },
};

/** Runs one request; unknown methods get -32601. */
export function dispatch(ctx: MethodContext, method: string, params: Params): Promise<unknown> {
  const handler = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
  if (!handler) return Promise.reject(new RpcError(RPC.methodNotFound, `Method not found: ${method}`));
  try {
    return Promise.resolve(handler(ctx, params));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** An upstream or handler failure as a JSON-RPC error code and message. */
export function toRpcError(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  if (isMcpError(error)) return new RpcError(error.code, error.message.replace(/^MCP error -?\d+: /, ''), error.data);
  return new RpcError(RPC.internalError, error instanceof Error ? error.message : String(error));
}

function resourceServer(ctx: MethodContext, uri: string): string {
  const server = ctx.catalog.resolveResource(uri, ctx.session.scope);
  if (!server) throw new RpcError(RPC.invalidParams, `Resource not found: ${uri}`);
  return server;
}

async function forward(ctx: MethodContext, server: string, method: string, params: Params) {
  const connection = ctx.catalog.connection(server);
  if (!connection) throw new RpcError(RPC.internalError, `server ${server} is not ready; check its status in Gatehouse`);
  return connection.withPeer(peerOf(ctx), () => connection.request(method, params, { signal: ctx.signal }));
}

/** Where upstream requests and notifications during this request go: this client, on this exchange. */
function peerOf(ctx: MethodContext): DownstreamPeer {
  return {
    request: (request) => {
      // sampling/createMessage → sampling, elicitation/create → elicitation, roots/list → roots
      const capability = request.method.split('/')[0];
      if (!ctx.session.clientCapabilities?.[capability]) {
        return Promise.reject(new RpcError(RPC.methodNotFound, `the client does not support ${request.method}`));
      }
      return ctx.session.request(ctx.exchange, request.method, request.params, ctx.signal);
    },
    notify: async (notification) => void ctx.exchange.send({ jsonrpc: '2.0', method: notification.method, params: notification.params }),
  };
}
