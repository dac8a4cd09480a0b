/** Plain data shapes shared by the core, the admin API and the dashboard (CONTRACT.md). */

/** How Gatehouse reaches an upstream MCP server. */
export type Transport = 'stdio' | 'http' | 'sse';

/** Lifecycle of one upstream server as the supervisor sees it. */
export type ServerStatus = 'starting' | 'ready' | 'error' | 'stopped' | 'disabled';

/** A configured MCP server as stored (secrets in clear, never sent out as is). */
export interface ServerConfig {
  name: string;
  transport: Transport;
  command: string | null;
  args: string[];
  env: Record<string, string>;
  cwd: string | null;
  url: string | null;
  headers: Record<string, string>;
  enabled: boolean;
  /** Per-call timeout for tools/call on this server, in milliseconds. */
  toolTimeoutMs: number;
}

/** A server as the admin API shows it: secrets masked, live state added. */
export interface ServerView extends ServerConfig {
  status: ServerStatus;
  error: string | null;
  toolCount: number;
  /** Last lines the child wrote to stderr (stdio only). */
  stderr: string[];
}

/** A virtual key as stored and shown (never the key itself). */
export interface KeyInfo {
  id: string;
  name: string;
  /** null = every server. */
  servers: string[] | null;
  /** Gateway tool names (`server-tool`); null = every tool. */
  tools: string[] | null;
  /** Model names; null = every model. */
  models: string[] | null;
  expiresAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Who made a request: the master key or one virtual key. */
export type Principal = { kind: 'master' } | { kind: 'virtual'; key: KeyInfo };

/** Where a tool call came from. */
export type Surface = 'mcp' | 'responses' | 'chat' | 'dashboard';

/** One tool-execution log entry. */
export interface LogEntry {
  id: number;
  ts: string;
  surface: Surface;
  key: string | null;
  server: string;
  tool: string;
  arguments: unknown;
  result: unknown;
  isError: boolean;
  durationMs: number;
}

/** What a person may set in Settings. */
export interface Settings {
  port: number;
  host: string;
  logRetentionCount: number;
  logRetentionDays: number;
  startAtLogin: boolean;
}

/** Per-tool switches. */
export type ToolApproval = 'never' | 'always';

/** An aggregated tool as the admin API shows it. */
export interface ToolView {
  name: string;
  server: string;
  tool: string;
  title: string | null;
  description: string | null;
  inputSchema: unknown;
  annotations: unknown;
  enabled: boolean;
  approval: ToolApproval;
}

/** A tool call waiting for a person, as `GET /api/approvals` shows it. */
export interface PendingCall {
  id: string;
  tool: string;
  server: string;
  key: string | null;
  client: string | null;
  surface: Surface;
  arguments: unknown;
  createdAt: string;
  expiresAt: string;
}
