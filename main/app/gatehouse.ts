import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { VERSION } from './version';
import { createLogger, type Logger } from './logger';
import { loadMasterKey } from './master-key';
import { createAdminRouter } from '../gateway/admin-api';
import { GatewayServer } from '../gateway/http-server';
import { KeyService } from '../gateway/key-service';
import { McpEndpoint } from '../gateway/mcp-endpoint';
import { LogBus } from '../logs/log-bus';
import { Catalog } from '../mcp/catalog';
import { resolveLoginPath } from '../mcp/child-env';
import { OrphanGuard } from '../mcp/orphan-guard';
import { ServerRegistry } from '../mcp/server-registry';
import { Supervisor, type SupervisorOptions } from '../mcp/supervisor';
import { ToolCaller } from '../mcp/tool-caller';
import { openDatabase } from '../store/database';
import { KeyRepository } from '../store/key-repository';
import { LogRepository } from '../store/log-repository';
import { FileSecretBox, type SecretBox } from '../store/secret-box';
import { ServerRepository } from '../store/server-repository';
import { SettingsRepository } from '../store/settings-repository';
import { ToolSettingRepository } from '../store/tool-setting-repository';
import { ProviderRepository } from '../store/provider-repository';
import { ResponseRepository } from '../store/response-repository';
import { UsageRepository } from '../store/usage-repository';
import { ProviderRegistry } from '../llm/provider-registry';
import { ToolLoop } from '../llm/tool-loop';
import { ResponsesService } from '../llm/responses-service';
import { ChatService } from '../llm/chat-service';
import { addProviderRoutes } from '../gateway/provider-api';
import { addApprovalRoutes } from '../gateway/approval-api';
import { ApprovalQueue } from '../mcp/approval-queue';

/** How Gatehouse is started (by `gatehouse serve`, the tray app or a test). */
export interface GatehouseOptions {
  dataDir: string;
  /** Overrides the stored setting. */
  port?: number;
  /** Overrides the stored setting. */
  host?: string;
  masterKey?: string;
  /** The tray app passes one backed by safeStorage. */
  secretBox?: SecretBox;
  supervisor?: Partial<SupervisorOptions>;
  sessionIdleMs?: number;
  /** Folder of the built dashboard. */
  uiDir?: string;
  /** How long a call to a tool set to ask waits for a person. */
  approvalTimeoutMs?: number;
  /** better-sqlite3's native module built for this runtime (the tray app's Electron build). */
  nativeBinding?: string;
}

/**
 * The composition root: builds every service once, wires them, starts and stops them. The
 * only place that constructs services (STYLE.md).
 */
export class Gatehouse {
  readonly db: Database.Database;
  readonly masterKey: string;
  readonly masterKeyCreated: boolean;
  readonly supervisor: Supervisor;
  readonly catalog: Catalog;
  readonly servers: ServerRegistry;
  readonly keys: KeyService;
  readonly logs: LogBus;
  readonly mcp: McpEndpoint;
  readonly settings: SettingsRepository;
  readonly providers: ProviderRegistry;
  readonly approvals: ApprovalQueue;
  private readonly http: GatewayServer;
  private readonly guard: OrphanGuard;
  private readonly log: Logger;
  private url = '';
  private stopping: Promise<void> | null = null;
  private pausedState = false;
  /** How server and provider secrets are sealed (`basic_text` = plain text on Linux). */
  readonly secretStorageKind: string;

  constructor(readonly options: GatehouseOptions) {
    const startedAt = Date.now();
    const secretValues = () => {
      const values = this.servers?.secretValues() ?? new Set<string>();
      for (const key of this.providers?.secretValues() ?? []) values.add(key);
      return values;
    };
    this.log = createLogger('gatehouse', secretValues);
    this.db = openDatabase(options.dataDir, options.nativeBinding);
    const master = loadMasterKey(options.dataDir, options.masterKey);
    this.masterKey = master.key;
    this.masterKeyCreated = master.created;
    const secretBox = options.secretBox ?? new FileSecretBox(options.dataDir);
    this.secretStorageKind = secretBox.kind;
    const serverRepository = new ServerRepository(this.db, secretBox, (server, reason) =>
      this.log(`the secrets of server ${server} cannot be read (${reason}); it starts without them`),
    );
    const toolSettings = new ToolSettingRepository(this.db);
    const logRepository = new LogRepository(this.db);
    this.settings = new SettingsRepository(this.db);
    this.guard = new OrphanGuard((error) => this.log(`orphan guard unavailable: ${String(error)}`));
    const loginPath = resolveLoginPath();
    this.supervisor = new Supervisor(
      { guard: this.guard, loginPath: () => loginPath, version: VERSION },
      createLogger('supervisor', secretValues),
      options.supervisor,
    );
    this.catalog = new Catalog(this.supervisor);
    this.catalog.setToolSettings(toolSettings.list());
    this.supervisor.on('change', () => this.catalog.rebuild());
    this.servers = new ServerRegistry(serverRepository, this.supervisor, this.catalog, createLogger('servers', secretValues));
    this.keys = new KeyService(new KeyRepository(this.db), this.masterKey, (error) => this.log(`recording key use failed: ${String(error)}`));
    this.logs = new LogBus(
      logRepository,
      secretValues,
      () => {
        const settings = this.settings.get();
        return { count: settings.logRetentionCount, days: settings.logRetentionDays };
      },
      (error) => this.log(`writing the tool log failed: ${String(error)}`),
    );
    this.approvals = new ApprovalQueue(options.approvalTimeoutMs);
    const caller = new ToolCaller(this.catalog, this.logs, this.approvals, secretValues);
    this.providers = new ProviderRegistry(new ProviderRepository(this.db, secretBox));
    const usage = new UsageRepository(this.db);
    const llm = {
      providers: this.providers,
      catalog: this.catalog,
      loop: new ToolLoop(this.catalog, caller),
      responses: new ResponseRepository(this.db),
      usage,
      log: createLogger('llm', secretValues),
    };
    this.mcp = new McpEndpoint(
      { catalog: this.catalog, caller, version: VERSION, serverExists: (name) => this.servers.exists(name) },
      options.sessionIdleMs,
    );
    this.keys.on('revoked', (id: string) => this.mcp.dropKey(id));
    this.supervisor.on('resource-updated', (uri: string) => this.mcp.resourceUpdated(uri));
    this.keys.on('changed', (id: string) => this.mcp.keyChanged(id));
    const admin = createAdminRouter({
      version: VERSION,
      startedAt,
      secretStorage: this.secretStorageKind,
      listenUrl: () => this.url,
      sessionCount: () => this.mcp.sessionCount,
      servers: this.servers,
      catalog: this.catalog,
      caller,
      keys: this.keys,
      toolSettings,
      logs: this.logs,
      logRepository,
      settings: this.settings,
    });
    addProviderRoutes(admin, this.providers, usage);
    addApprovalRoutes(admin, this.approvals);
    this.http = new GatewayServer({
      keys: this.keys,
      mcp: this.mcp,
      admin,
      uiDir: options.uiDir ?? join(__dirname, '..', '..', 'renderer'),
      log: createLogger('http', secretValues),
      v1: { responses: new ResponsesService(llm), chat: new ChatService(llm), providers: this.providers },
    });
  }

  /** Listens, then starts every server in the background; resolves with the listen URL. */
  async start(): Promise<string> {
    const settings = this.settings.get();
    const host = this.options.host ?? settings.host;
    const address = await this.http.listen(this.options.port ?? settings.port, host);
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.url = `http://${shownHost}:${address.port}`;
    void this.servers.startAll();
    return this.url;
  }

  /** Whether the gateway is paused (not listening, servers stopped). */
  get paused(): boolean {
    return this.pausedState;
  }

  /** Stops listening and stops every server, keeping the configuration (tray: Pause). */
  async pause(): Promise<void> {
    if (this.pausedState || this.stopping) return;
    this.pausedState = true;
    await this.http.close().catch(() => undefined);
    this.mcp.dropAll();
    this.approvals.clear();
    await this.servers.settled();
    await this.supervisor.stopAll();
  }

  /** Listens again on the same address and starts the enabled servers (tray: Resume). */
  async resume(): Promise<void> {
    if (!this.pausedState || this.stopping) return;
    const { port, hostname } = new URL(this.url);
    await this.http.listen(Number(port), hostname.replace(/^\[|\]$/g, ''));
    this.pausedState = false;
    await Promise.all([...this.supervisor.servers.keys()].map((name) => this.supervisor.restart(name)));
  }

  /** The URL it listens on, once started. */
  get listenUrl(): string {
    return this.url;
  }

  /** Stops accepting, stops every child with the stop ladder, flushes the log, closes the DB. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.approvals.clear();
      await this.http.close().catch(() => undefined);
      this.mcp.closeAll();
      await this.servers.settled();
      await this.supervisor.stopAll();
      this.guard.close();
      this.logs.close();
      this.keys.close();
      this.db.close();
    })();
    return this.stopping;
  }
}
