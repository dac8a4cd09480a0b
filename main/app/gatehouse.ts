import type Database from 'better-sqlite3';
import { VERSION } from './version';
import { createLogger, type Logger } from './logger';
import { loadMasterKey } from './master-key';
import { KeyService } from '../gateway/key-service';
import { Listener } from '../gateway/listener';
import type { McpEndpoint } from '../gateway/mcp-endpoint';
import { lazyModule } from './lazy-module';
import type { Surfaces } from './surfaces';
import { LogBus } from '../logs/log-bus';
import { Catalog } from '../mcp/catalog';
import { LoginPath } from '../mcp/child-env';
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
import type { ProviderRegistry } from '../llm/provider-registry';
import type { ServerView } from '../../shared/types';
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
 *
 * It is built in two steps so that servers start as early as they can: the core (store,
 * supervisor, catalog, keys, log) in the constructor, loading little; then start() takes the
 * port, spawns the servers, and only while they boot loads and builds the surfaces (`/mcp`,
 * `/api`, `/v1`). zod (the admin API's schemas) and openai (model calls) load later still, on
 * first use; the MCP SDK's client is not used at all (see mcp/rpc-channel.ts).
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
  readonly settings: SettingsRepository;
  readonly approvals: ApprovalQueue;
  private readonly listener = new Listener();
  private surfaces: Surfaces | null = null;
  private readonly caller: ToolCaller;
  private readonly startedAt = Date.now();
  private boundHost = '127.0.0.1';
  private readonly guard: OrphanGuard;
  private readonly loginPath: LoginPath;
  private readonly log: Logger;
  private url = '';
  private stopping: Promise<void> | null = null;
  private pausedState = false;
  /** How server and provider secrets are sealed (`basic_text` = plain text on Linux). */
  readonly secretStorageKind: string;
  private readonly secretBox: SecretBox;
  private readonly toolSettings: ToolSettingRepository;
  private readonly logRepository: LogRepository;

  constructor(readonly options: GatehouseOptions) {
    const secretValues = this.secretValues;
    this.log = createLogger('gatehouse', secretValues);
    this.db = openDatabase(options.dataDir, options.nativeBinding);
    const master = loadMasterKey(options.dataDir, options.masterKey);
    this.masterKey = master.key;
    this.masterKeyCreated = master.created;
    const secretBox = options.secretBox ?? new FileSecretBox(options.dataDir);
    this.secretBox = secretBox;
    this.secretStorageKind = secretBox.kind;
    const serverRepository = new ServerRepository(this.db, secretBox, (server, reason) =>
      this.log(`the secrets of server ${server} cannot be read (${reason}); it starts without them`),
    );
    const toolSettings = new ToolSettingRepository(this.db);
    const logRepository = new LogRepository(this.db);
    this.toolSettings = toolSettings;
    this.logRepository = logRepository;
    this.settings = new SettingsRepository(this.db);
    this.guard = new OrphanGuard((error) => this.log(`orphan guard unavailable: ${String(error)}`));
    const loginPath = new LoginPath({
      saved: this.settings.remembered('loginShellPath'),
      save: (path) => this.settings.remember('loginShellPath', path),
      savedNetwork: this.settings.remembered('loginShellNetwork')?.split(',').filter(Boolean),
      saveNetwork: (names) => this.settings.remember('loginShellNetwork', names.join(',')),
      warn: (message) => this.log(message),
    });
    this.loginPath = loginPath;
    this.supervisor = new Supervisor(
      { guard: this.guard, loginPath: (command) => loginPath.forCommand(command), loginNetwork: () => loginPath.networkEnv, version: VERSION },
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
    this.caller = new ToolCaller(this.catalog, this.logs, this.approvals, secretValues);
  }

  /** Every secret Gatehouse knows (server env/headers, provider keys), for redaction. */
  private readonly secretValues = (): Set<string> => {
    const values = this.servers?.secretValues() ?? new Set<string>();
    for (const key of this.surfaces?.providers.secretValues() ?? []) values.add(key);
    return values;
  };

  /** The `/mcp` endpoint (after start). */
  get mcp(): McpEndpoint {
    return this.started().mcp;
  }

  /** The model providers of `/v1` (after start). */
  get providers(): ProviderRegistry {
    return this.started().providers;
  }

  private started(): NonNullable<Gatehouse['surfaces']> {
    if (!this.surfaces) throw new Error('Gatehouse is not started yet: call start() first');
    return this.surfaces;
  }

  /**
   * Loads and builds the HTTP surfaces once. Imported here rather than at the top: these
   * modules are most of Gatehouse's load time, and start() loads them while the servers it has
   * just spawned boot.
   */
  private async loadSurfaces(): Promise<NonNullable<Gatehouse['surfaces']>> {
    if (this.surfaces) return this.surfaces;
    const { buildSurfaces } = await surfacesModule();
    this.surfaces ??= buildSurfaces({
      db: this.db,
      secretBox: this.secretBox,
      secretStorageKind: this.secretStorageKind,
      secretValues: this.secretValues,
      startedAt: this.startedAt,
      listenUrl: () => this.url,
      boundHost: () => this.boundHost,
      options: this.options,
      catalog: this.catalog,
      caller: this.caller,
      servers: this.servers,
      supervisor: this.supervisor,
      keys: this.keys,
      toolSettings: this.toolSettings,
      logs: this.logs,
      logRepository: this.logRepository,
      settings: this.settings,
      approvals: this.approvals,
    });
    return this.surfaces;
  }

  /**
   * Takes the port (so a port in use fails before anything is spawned), starts every server in
   * the background, loads the surfaces while they boot, then answers requests (those that came
   * meanwhile waited). Resolves with the listen URL.
   */
  async start(): Promise<string> {
    const settings = this.settings.get();
    const host = this.options.host ?? settings.host;
    this.boundHost = host;
    const address = await this.listener.listen(this.options.port ?? settings.port, host);
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.url = `http://${shownHost}:${address.port}`;
    void this.servers.startAll();
    // One turn of the event loop: the stdio children are spawned before the surfaces load.
    await new Promise((resolve) => setImmediate(resolve));
    this.listener.setHandler((await this.loadSurfaces()).http.listener);
    return this.url;
  }

  /**
   * Resolves once every enabled server is ready, or has failed and shows why (a crash loop does
   * not hold it up until it gives up; a retry in progress, which has no error to show yet, does),
   * or after `timeoutMs`, with every server as it is then (secrets masked, as the admin API
   * shows them).
   */
  async serversSettled(timeoutMs: number): Promise<ServerView[]> {
    await this.servers.settled();
    await this.supervisor.whenSettled(timeoutMs, (server) => server.status !== 'starting' || server.error !== null);
    return this.servers.list();
  }

  /** Whether the gateway is paused (not listening, servers stopped). */
  get paused(): boolean {
    return this.pausedState;
  }

  /** Stops listening and stops every server, keeping the configuration (tray: Pause). */
  async pause(): Promise<void> {
    if (this.pausedState || this.stopping) return;
    this.pausedState = true;
    await this.listener.close().catch(() => undefined);
    this.surfaces?.mcp.dropAll();
    this.approvals.clear();
    await this.servers.settled();
    await this.supervisor.stopAll();
  }

  /** Listens again on the same address and starts the enabled servers (tray: Resume). */
  async resume(): Promise<void> {
    if (!this.pausedState || this.stopping) return;
    const { port, hostname } = new URL(this.url);
    await this.listener.listen(Number(port), hostname.replace(/^\[|\]$/g, ''));
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
      await this.listener.close().catch(() => undefined);
      this.surfaces?.mcp.closeAll();
      await this.servers.settled();
      await this.supervisor.stopAll();
      this.guard.close();
      this.loginPath.close();
      this.logs.close();
      this.surfaces?.close();
      this.keys.close();
      this.db.close();
    })();
    return this.stopping;
  }
}

/** The surfaces module (see lazyModule). */
const surfacesModule = lazyModule(
  () => require('./surfaces') as typeof import('./surfaces'),
  () => import('./surfaces.js'),
);
