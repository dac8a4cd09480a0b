import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { gatewayName } from '../../shared/naming';
import type { Principal } from '../../shared/types';
import type { Catalog, Scope } from '../mcp/catalog';
import type { FunctionTool } from './types';

/** Thrown for a request whose `mcp` tool cannot be served; becomes a 400. */
export class McpToolError extends Error {}

/** One `{"type":"mcp"}` entry of a request, after checking. */
export interface McpToolGroup {
  label: string;
  scope: Scope;
  tools: Tool[];
  approval: ApprovalRule;
}

/** A function offered to the model that is really an MCP tool. */
export interface McpFunction {
  group: McpToolGroup;
  /** The tool's name as listed in the group's `mcp_list_tools`. */
  name: string;
  tool: Tool;
}

/** Which tools need a person's approval before they run. */
export type ApprovalRule = (tool: Tool) => boolean;

/** Every MCP tool of a request, as functions for the model and a map back. */
export interface McpToolset {
  groups: McpToolGroup[];
  functions: FunctionTool[];
  byFunction: Map<string, McpFunction>;
}

const URL_FORMS = /^(litellm_proxy|gatehouse)(\/mcp(\/([A-Za-z0-9_,]+))?)?\/?$/;
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Resolves the `mcp` tools of a request against the catalog and the key: `server_url`
 * `litellm_proxy` or `litellm_proxy/mcp` is every server the key may use (tools under gateway
 * names), `litellm_proxy/mcp/<server>` one server (tools under their own names).
 */
export function resolveMcpTools(definitions: Array<Record<string, unknown>>, catalog: Catalog, principal: Principal): McpToolset {
  const groups: McpToolGroup[] = [];
  const functions: FunctionTool[] = [];
  const byFunction = new Map<string, McpFunction>();
  const key = principal.kind === 'virtual' ? principal.key : null;
  for (const definition of definitions) {
    const url = String(definition.server_url ?? 'litellm_proxy').trim();
    const match = URL_FORMS.exec(url);
    if (!match) {
      throw new McpToolError(
        `server_url ${JSON.stringify(url)} is not served here: use "litellm_proxy", "litellm_proxy/mcp" or "litellm_proxy/mcp/<server>"`,
      );
    }
    let servers: Set<string> | null = key?.servers ? new Set(key.servers) : null;
    let prefixed = true;
    if (match[4]) {
      const named = match[4].split(',').filter(Boolean);
      for (const name of named) {
        if (!catalog.hasServer(name)) throw new McpToolError(`no MCP server named ${name}`);
        if (servers && !servers.has(name)) throw new McpToolError(`this key may not use server ${name}`);
      }
      servers = new Set(named);
      prefixed = named.length > 1;
    }
    const scope: Scope = { servers, tools: key?.tools ? new Set(key.tools) : null, prefixed };
    const allowed = allowedNames(definition.allowed_tools);
    const tools = catalog.visibleTools(scope).filter((tool) => !allowed || allowed(tool));
    const label = typeof definition.server_label === 'string' && definition.server_label ? definition.server_label : match[4] ?? 'gatehouse';
    const group: McpToolGroup = { label, scope, tools, approval: approvalRule(definition.require_approval) };
    groups.push(group);
    for (const tool of tools) {
      let fn = FUNCTION_NAME.test(tool.name) ? tool.name : gatewayName(label, tool.name);
      if (byFunction.has(fn)) fn = gatewayName(label, tool.name);
      if (byFunction.has(fn)) continue;
      byFunction.set(fn, { group, name: tool.name, tool });
      functions.push({ name: fn, description: tool.description ?? tool.title ?? '', parameters: (tool.inputSchema as Record<string, unknown>) ?? { type: 'object' } });
    }
  }
  return { groups, functions, byFunction };
}

/** `allowed_tools` as a list of names or `{"tool_names": [...], "read_only": bool}`. */
function allowedNames(value: unknown): ((tool: Tool) => boolean) | null {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) {
    const names = new Set(value.map(String));
    return (tool) => names.has(tool.name);
  }
  if (typeof value === 'object') {
    const filter = value as { tool_names?: unknown; read_only?: unknown };
    const names = Array.isArray(filter.tool_names) ? new Set(filter.tool_names.map(String)) : null;
    const readOnly = typeof filter.read_only === 'boolean' ? filter.read_only : null;
    return (tool) => (!names || names.has(tool.name)) && (readOnly === null || (tool.annotations?.readOnlyHint === true) === readOnly);
  }
  throw new McpToolError('allowed_tools must be a list of tool names or {"tool_names": [...]}');
}

/**
 * `require_approval`: "never" (default here, as LiteLLM's docs use it), "always", or
 * `{"never": {...}, "always": {...}}` with `tool_names` and/or `read_only` (the tool's readOnlyHint).
 */
function approvalRule(value: unknown): ApprovalRule {
  if (value === undefined || value === null || value === 'never') return () => false;
  if (value === 'always') return () => true;
  if (typeof value === 'object') {
    const rule = value as { never?: Filter; always?: Filter };
    const never = rule.never ? filterOf(rule.never) : null;
    const always = rule.always ? filterOf(rule.always) : null;
    return (tool) => {
      if (never?.(tool)) return false;
      if (always) return always(tool);
      // Only a "never" list given: everything else asks, as OpenAI does.
      return never !== null;
    };
  }
  throw new McpToolError('require_approval must be "never", "always" or {"never": {...}, "always": {...}}');
}

interface Filter {
  tool_names?: unknown;
  read_only?: unknown;
}

function filterOf(filter: Filter): (tool: Tool) => boolean {
  const names = Array.isArray(filter.tool_names) ? new Set(filter.tool_names.map(String)) : null;
  const readOnly = typeof filter.read_only === 'boolean' ? filter.read_only : null;
  return (tool) => (names ? names.has(tool.name) : true) && (readOnly === null || (tool.annotations?.readOnlyHint === true) === readOnly);
}
