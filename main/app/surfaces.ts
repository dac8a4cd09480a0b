import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { createAdminRouter } from '../gateway/admin-api';
import { addApprovalRoutes } from '../gateway/approval-api';
import { GatewayServer } from '../gateway/http-server';
import type { KeyService } from '../gateway/key-service';
import { McpEndpoint } from '../gateway/mcp-endpoint';
import { addProviderRoutes } from '../gateway/provider-api';
import { ChatService } from '../llm/chat-service';
import { ProviderRegistry } from '../llm/provider-registry';
import { ResponsesService } from '../llm/responses-service';
import { ToolLoop } from '../llm/tool-loop';
import type { LogBus } from '../logs/log-bus';
import type { ApprovalQueue } from '../mcp/approval-queue';
import type { Catalog } from '../mcp/catalog';
import type { ServerRegistry } from '../mcp/server-registry';
import type { Supervisor } from '../mcp/supervisor';
import type { ToolCaller } from '../mcp/tool-caller';
import type { LogRepository } from '../store/log-repository';
import { ProviderRepository } from '../store/provider-repository';
import { ResponseRepository } from '../store/response-repository';
import type { SecretBox } from '../store/secret-box';
import type { SettingsRepository } from '../store/settings-repository';
import type { ToolSettingRepository } from '../store/tool-setting-repository';
import { UsageRepository } from '../store/usage-repository';
import { WriteBehind } from '../store/write-behind';
import type { GatehouseOptions } from './gatehouse';
import { createLogger } from './logger';
import { VERSION } from './version';

/** The core services the surfaces are built on (see Gatehouse). */
export interface Core {
  db: Database.Database;
  secretBox: SecretBox;
  secretStorageKind: string;
  secretValues: () => Set<string>;
  startedAt: number;
  listenUrl: () => string;
  boundHost: () => string;
  options: GatehouseOptions;
  catalog: Catalog;
  caller: ToolCaller;
  servers: ServerRegistry;
  supervisor: Supervisor;
  keys: KeyService;
  toolSettings: ToolSettingRepository;
  logs: LogBus;
  logRepository: LogRepository;
  settings: SettingsRepository;
  approvals: ApprovalQueue;
}

/** How often stored responses past their retention are removed. */
const RESPONSE_PRUNE_INTERVAL_MS = 60 * 60_000;
const RESPONSE_FIRST_PRUNE_MS = 60_000;

/** What the surfaces add to the core; `close` commits pending writes and stops their timers. */
export interface Surfaces {
  mcp: McpEndpoint;
  providers: ProviderRegistry;
  http: GatewayServer;
  close(): void;
}

/**
 * The HTTP surfaces (`/mcp`, `/api`, `/v1`, `/ui`) on top of the core. A module of its own so
 * Gatehouse loads it, and what it imports, in one step after the servers are spawned.
 */
export function buildSurfaces(core: Core): Surfaces {
  const secretValues = core.secretValues;
  const log = createLogger('llm', secretValues);
  // Token usage and stored responses are committed in batches, off the answer's path.
  const writer = new WriteBehind(core.db, (error) => log(`writing usage or stored responses failed: ${error instanceof Error ? error.message : String(error)}`));
  const providers = new ProviderRegistry(new ProviderRepository(core.db, core.secretBox));
  const usage = new UsageRepository(core.db, writer);
  const responses = new ResponseRepository(core.db, writer);
  const pruneResponses = () => {
    try {
      responses.prune();
    } catch (error) {
      log(`removing old stored responses failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  // The first pass a minute in, not while the servers just spawned are booting.
  const firstPrune = setTimeout(pruneResponses, RESPONSE_FIRST_PRUNE_MS).unref();
  const pruneTimer = setInterval(pruneResponses, RESPONSE_PRUNE_INTERVAL_MS).unref();
  const llm = { providers, catalog: core.catalog, loop: new ToolLoop(core.catalog, core.caller), responses, usage, log };
  const mcp = new McpEndpoint(
    { catalog: core.catalog, caller: core.caller, version: VERSION, serverExists: (name) => core.servers.exists(name) },
    core.options.sessionIdleMs,
  );
  core.keys.on('revoked', (id: string) => mcp.dropKey(id));
  core.supervisor.on('resource-updated', (uri: string) => mcp.resourceUpdated(uri));
  core.keys.on('changed', (id: string) => mcp.keyChanged(id));
  const admin = createAdminRouter({
    version: VERSION,
    startedAt: core.startedAt,
    secretStorage: core.secretStorageKind,
    listenUrl: core.listenUrl,
    sessionCount: () => mcp.sessionCount,
    servers: core.servers,
    catalog: core.catalog,
    caller: core.caller,
    keys: core.keys,
    toolSettings: core.toolSettings,
    logs: core.logs,
    logRepository: core.logRepository,
    settings: core.settings,
  });
  addProviderRoutes(admin, providers, usage);
  addApprovalRoutes(admin, core.approvals);
  const http = new GatewayServer(
    {
      keys: core.keys,
      mcp,
      admin,
      uiDir: core.options.uiDir ?? join(__dirname, '..', '..', 'renderer'),
      log: createLogger('http', secretValues),
      v1: { responses: new ResponsesService(llm), chat: new ChatService(llm), providers },
    },
    core.boundHost,
  );
  return {
    mcp,
    providers,
    http,
    close() {
      clearTimeout(firstPrune);
      clearInterval(pruneTimer);
      writer.flush();
    },
  };
}
