import { EventEmitter } from 'node:events';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import { gatewayName } from '../../shared/naming';
import type { ToolApproval, ToolView } from '../../shared/types';
import type { ToolSetting } from '../store/tool-setting-repository';
import type { UpstreamConnection } from './connection';
import type { Supervisor } from './supervisor';

/** What one request may see: which servers, which tools, and whether names carry the server. */
export interface Scope {
  /** null = every server. */
  servers: ReadonlySet<string> | null;
  /** Gateway tool names the key may call; null = every tool. */
  tools: ReadonlySet<string> | null;
  /** false on `/mcp/<server>`: tools keep their own names. */
  prefixed: boolean;
}

/** One upstream tool in the catalog. */
export interface ToolEntry {
  name: string;
  server: string;
  tool: Tool;
  enabled: boolean;
  approval: ToolApproval;
}

interface PromptEntry {
  name: string;
  server: string;
  prompt: Prompt;
}

/** Every scope, unrestricted and prefixed: what the admin sees. */
export const FULL_SCOPE: Scope = { servers: null, tools: null, prefixed: true };

/**
 * The aggregated, namespaced view of every ready server's tools, prompts and resources, and
 * the routing of a name back to its server. Rebuilt when a server or a tool switch changes,
 * never per call; visible lists are cached per scope until the next rebuild.
 * Emits `changed` after each rebuild.
 */
export class Catalog extends EventEmitter {
  private tools: ToolEntry[] = [];
  private toolsByName = new Map<string, ToolEntry>();
  private toolsByServer = new Map<string, Map<string, ToolEntry>>();
  private prompts: PromptEntry[] = [];
  private promptsByName = new Map<string, PromptEntry>();
  private resources: Array<{ server: string; resource: Resource }> = [];
  private resourceOwner = new Map<string, string>();
  private templates: Array<{ server: string; template: ResourceTemplate; prefix: string }> = [];
  private settings = new Map<string, ToolSetting>();
  private readonly toolListCache = new Map<string, Tool[]>();
  /** Bumped whenever what clients can list changes; sessions compare it to know. */
  version = 0;
  private fingerprint = '';

  constructor(private readonly supervisor: Supervisor) {
    super();
    this.setMaxListeners(0);
  }

  /** Replaces the tool switches (from the store) and rebuilds. */
  setToolSettings(settings: ToolSetting[]): void {
    this.settings = new Map(settings.map((setting) => [`${setting.server}\u0000${setting.tool}`, setting]));
    this.rebuild();
  }

  /** Recomputes everything from the supervisor's ready connections. */
  rebuild(): void {
    const tools: ToolEntry[] = [];
    const prompts: PromptEntry[] = [];
    const resources: Array<{ server: string; resource: Resource }> = [];
    const templates: Array<{ server: string; template: ResourceTemplate; prefix: string }> = [];
    for (const [server, managed] of this.supervisor.servers) {
      const connection = managed.connection;
      if (managed.status !== 'ready' || !connection) continue;
      for (const tool of connection.lists.tools) {
        const setting = this.settings.get(`${server}\u0000${tool.name}`);
        tools.push({ name: gatewayName(server, tool.name), server, tool, enabled: setting?.enabled ?? true, approval: setting?.approval ?? 'never' });
      }
      for (const prompt of connection.lists.prompts) prompts.push({ name: gatewayName(server, prompt.name), server, prompt });
      for (const resource of connection.lists.resources) resources.push({ server, resource });
      for (const template of connection.lists.resourceTemplates) {
        templates.push({ server, template, prefix: template.uriTemplate.split('{')[0] });
      }
    }
    this.tools = tools;
    this.toolsByName = new Map(tools.map((entry) => [entry.name, entry]));
    this.toolsByServer = new Map();
    for (const entry of tools) {
      let byTool = this.toolsByServer.get(entry.server);
      if (!byTool) this.toolsByServer.set(entry.server, (byTool = new Map()));
      byTool.set(entry.tool.name, entry);
    }
    this.prompts = prompts;
    this.promptsByName = new Map(prompts.map((entry) => [entry.name, entry]));
    this.resources = resources;
    this.resourceOwner = new Map();
    for (const { server, resource } of resources) if (!this.resourceOwner.has(resource.uri)) this.resourceOwner.set(resource.uri, server);
    this.templates = templates.sort((a, b) => b.prefix.length - a.prefix.length);
    this.toolListCache.clear();
    // Only a real change is news: servers restarting with the same lists, or an upstream that
    // sends list_changed without changing anything, must not make clients re-list (two chained
    // gateways would bounce notifications forever).
    const fingerprint = JSON.stringify([
      tools.map((entry) => [entry.name, entry.enabled, entry.approval, entry.tool]),
      prompts.map((entry) => [entry.name, entry.prompt]),
      resources,
      templates.map((entry) => [entry.server, entry.template]),
    ]);
    if (fingerprint === this.fingerprint) return;
    this.fingerprint = fingerprint;
    this.version++;
    this.emit('changed');
  }

  /** Every tool of every ready server, switched on or not, for the admin API. */
  allTools(): ToolView[] {
    return this.tools.map((entry) => ({
      name: entry.name,
      server: entry.server,
      tool: entry.tool.name,
      title: entry.tool.title ?? entry.tool.annotations?.title ?? null,
      description: entry.tool.description ?? null,
      inputSchema: entry.tool.inputSchema,
      annotations: entry.tool.annotations ?? null,
      enabled: entry.enabled,
      approval: entry.approval,
    }));
  }

  /** Number of tools a server offers (switched on or not). */
  toolCount(server: string): number {
    return this.toolsByServer.get(server)?.size ?? 0;
  }

  /** The tools a scope may see, as MCP `Tool`s under the names it should use. Cached. */
  visibleTools(scope: Scope): Tool[] {
    const cacheKey = scopeKey(scope);
    const cached = this.toolListCache.get(cacheKey);
    if (cached) return cached;
    const list = this.tools
      .filter((entry) => this.allowed(entry, scope))
      .map((entry) => (scope.prefixed ? { ...entry.tool, name: entry.name } : entry.tool));
    this.toolListCache.set(cacheKey, list);
    return list;
  }

  /** Finds the tool a scope calls by `name`, or null when it does not exist or is not allowed. */
  resolveTool(name: string, scope: Scope): ToolEntry | null {
    let entry: ToolEntry | undefined;
    if (scope.prefixed) entry = this.toolsByName.get(name);
    else for (const server of scope.servers ?? []) entry ??= this.toolsByServer.get(server)?.get(name);
    return entry && this.allowed(entry, scope) ? entry : null;
  }

  /** Finds a tool by gateway name regardless of switches (admin). */
  findTool(name: string): ToolEntry | null {
    return this.toolsByName.get(name) ?? null;
  }

  visiblePrompts(scope: Scope): Prompt[] {
    return this.prompts
      .filter((entry) => inServers(entry.server, scope))
      .map((entry) => (scope.prefixed ? { ...entry.prompt, name: entry.name } : entry.prompt));
  }

  resolvePrompt(name: string, scope: Scope): PromptEntry | null {
    if (scope.prefixed) {
      const entry = this.promptsByName.get(name);
      return entry && inServers(entry.server, scope) ? entry : null;
    }
    return this.prompts.find((entry) => entry.prompt.name === name && inServers(entry.server, scope)) ?? null;
  }

  visibleResources(scope: Scope): Resource[] {
    return this.resources.filter((entry) => inServers(entry.server, scope)).map((entry) => entry.resource);
  }

  visibleResourceTemplates(scope: Scope): ResourceTemplate[] {
    return this.templates.filter((entry) => inServers(entry.server, scope)).map((entry) => entry.template);
  }

  /** The server that serves a resource URI: a listed resource first, then the longest template prefix. */
  resolveResource(uri: string, scope: Scope): string | null {
    const owner = this.resourceOwner.get(uri);
    if (owner && inServers(owner, scope)) return owner;
    for (const entry of this.templates) if (inServers(entry.server, scope) && uri.startsWith(entry.prefix)) return entry.server;
    const servers = [...this.supervisor.servers.keys()].filter((server) => inServers(server, scope));
    return servers.length === 1 ? servers[0] : null;
  }

  /** Whether a resource template belongs to a server in scope; returns its server. */
  resolveTemplate(uriTemplate: string, scope: Scope): string | null {
    return this.templates.find((entry) => entry.template.uriTemplate === uriTemplate && inServers(entry.server, scope))?.server ?? null;
  }

  /** Whether a server of that name is configured (ready or not). */
  hasServer(name: string): boolean {
    return this.supervisor.servers.has(name);
  }

  /** The live connection of a server, or null when it is not ready. */
  connection(server: string): UpstreamConnection | null {
    const managed = this.supervisor.servers.get(server);
    return managed?.status === 'ready' ? managed.connection : null;
  }

  /** Servers in scope that are ready. */
  readyServers(scope: Scope): string[] {
    return [...this.supervisor.servers.entries()]
      .filter(([name, managed]) => managed.status === 'ready' && inServers(name, scope))
      .map(([name]) => name);
  }

  private allowed(entry: ToolEntry, scope: Scope): boolean {
    return entry.enabled && inServers(entry.server, scope) && (!scope.tools || scope.tools.has(entry.name));
  }
}

function inServers(server: string, scope: Scope): boolean {
  return !scope.servers || scope.servers.has(server);
}

function scopeKey(scope: Scope): string {
  const servers = scope.servers ? [...scope.servers].sort().join(',') : '*';
  const tools = scope.tools ? [...scope.tools].sort().join(',') : '*';
  return `${scope.prefixed ? 'p' : 'r'}|${servers}|${tools}`;
}
