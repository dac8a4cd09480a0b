import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import type { ServerConfig, ServerStatus } from '../../shared/types';
import { redactText } from '../../shared/redact';
import { type ConnectionDeps, UpstreamConnection } from './connection';

/** Restart backoff: the first wait, doubled after each failure, up to the maximum. */
export const RESTART_BACKOFF_BASE_MS = 500;
export const RESTART_BACKOFF_MAX_MS = 30_000;
/** Failures in a row after which a stdio server is left in `error` (a crash loop). */
export const MAX_CONSECUTIVE_FAILURES = 5;
/** A server that stayed up this long is no longer in a crash loop. */
export const STABLE_AFTER_MS = 30_000;

/** Tunables, overridable in tests. */
export interface SupervisorOptions {
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxFailures: number;
}

/** One supervised server. */
export class ManagedServer {
  status: ServerStatus = 'stopped';
  error: string | null = null;
  connection: UpstreamConnection | null = null;
  failures = 0;
  lastStderr: string[] = [];
  timer: NodeJS.Timeout | null = null;
  readyAt = 0;
  /** Bumped on every start/stop so stale callbacks of an old connection do nothing. */
  generation = 0;

  constructor(public config: ServerConfig) {}
}

/**
 * Keeps each configured server connected: starts it, restarts it with exponential backoff after
 * a crash, ends a crash loop in `error` with the last stderr lines, and stops it on request.
 * Emits `change` (server name) whenever a status or a server's lists change.
 */
export class Supervisor extends EventEmitter {
  readonly servers = new Map<string, ManagedServer>();
  private readonly options: SupervisorOptions;

  constructor(
    private readonly deps: ConnectionDeps,
    private readonly log: (message: string) => void,
    options: Partial<SupervisorOptions> = {},
  ) {
    super();
    this.options = {
      backoffBaseMs: options.backoffBaseMs ?? RESTART_BACKOFF_BASE_MS,
      backoffMaxMs: options.backoffMaxMs ?? RESTART_BACKOFF_MAX_MS,
      maxFailures: options.maxFailures ?? MAX_CONSECUTIVE_FAILURES,
    };
  }

  /** Brings the running set in line with `configs`: new ones start, removed ones stop, changed ones restart. */
  async apply(configs: ServerConfig[]): Promise<void> {
    const wanted = new Map(configs.map((config) => [config.name, config]));
    const work: Promise<void>[] = [];
    for (const name of this.servers.keys()) if (!wanted.has(name)) work.push(this.remove(name));
    for (const config of configs) {
      const current = this.servers.get(config.name);
      if (!current) work.push(this.add(config));
      else if (JSON.stringify(current.config) !== JSON.stringify(config)) work.push(this.replace(config));
    }
    await Promise.all(work);
  }

  /** Adds and starts (when enabled) one server; does not wait for it to be ready. */
  async add(config: ServerConfig): Promise<void> {
    const server = new ManagedServer(config);
    this.servers.set(config.name, server);
    if (config.enabled) this.start(server);
    else this.setStatus(server, 'disabled', null);
  }

  /** Stops and forgets one server. */
  async remove(name: string): Promise<void> {
    const server = this.servers.get(name);
    if (!server) return;
    this.servers.delete(name);
    await this.stop(server, 'stopped');
    this.emit('change', name);
  }

  /** Applies a changed config: stop, then start again if enabled. */
  async replace(config: ServerConfig): Promise<void> {
    const server = this.servers.get(config.name);
    if (!server) return this.add(config);
    await this.stop(server, config.enabled ? 'stopped' : 'disabled');
    server.config = config;
    server.failures = 0;
    if (config.enabled) this.start(server);
  }

  /** Restarts one server now, clearing a crash loop. */
  async restart(name: string): Promise<void> {
    const server = this.servers.get(name);
    if (!server) return;
    await this.stop(server, 'stopped');
    server.failures = 0;
    if (server.config.enabled) this.start(server);
  }

  /** Stops every server with the stop ladder, in parallel. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.servers.values()].map((server) => this.stop(server, 'stopped')));
  }

  /**
   * Resolves when every server is `settled` (by default: no longer `starting`), or after
   * `timeoutMs`.
   */
  whenSettled(timeoutMs: number, settled: (server: ManagedServer) => boolean = (server) => server.status !== 'starting'): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if ([...this.servers.values()].every(settled)) {
          this.off('change', check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => (this.off('change', check), resolve()), timeoutMs);
      this.on('change', check);
      check();
    });
  }

  private start(server: ManagedServer): void {
    const generation = ++server.generation;
    const connection = new UpstreamConnection(server.config, this.deps);
    server.connection = connection;
    this.setStatus(server, 'starting', null);
    connection.on('lists', () => server.generation === generation && this.emit('change', server.config.name));
    connection.on('warning', (message: string) => this.log(`${server.config.name}: ${message}`));
    connection.on('resource-updated', (params: { uri?: unknown }) => {
      if (server.generation === generation && typeof params?.uri === 'string') this.emit('resource-updated', params.uri);
    });
    connection.on('close', () => {
      if (server.generation !== generation || connection.isClosing) return;
      server.lastStderr = connection.stderr;
      if (server.status === 'ready') this.failed(server, 'the server closed the connection');
    });
    connection.connect().then(
      () => {
        if (server.generation !== generation) return;
        server.readyAt = Date.now();
        this.setStatus(server, 'ready', null);
      },
      (error: Error & { code?: string }) => {
        if (server.generation !== generation) return;
        server.lastStderr = connection.stderr;
        void connection.close();
        // A command or folder that is not there will not appear by retrying.
        const hopeless = server.config.transport === 'stdio' && (error.code === 'ENOENT' || error.code === 'EACCES');
        this.failed(server, describeStartError(error, server.config), hopeless);
      },
    );
  }

  private failed(server: ManagedServer, reason: string, hopeless = false): void {
    const generation = server.generation;
    if (server.readyAt && Date.now() - server.readyAt > STABLE_AFTER_MS) server.failures = 0;
    server.readyAt = 0;
    server.failures++;
    server.connection = null;
    const message = redactText(reason, new Set([...Object.values(server.config.env), ...Object.values(server.config.headers)]));
    const remote = server.config.transport !== 'stdio';
    if (hopeless) {
      this.setStatus(server, 'error', message);
      this.log(`${server.config.name}: ${message}`);
      return;
    }
    if (!remote && server.failures >= this.options.maxFailures) {
      this.setStatus(server, 'error', `${message} (gave up after ${server.failures} attempts; fix the command and restart)`);
      this.log(`${server.config.name}: crash loop, giving up: ${message}`);
      return;
    }
    const wait = Math.min(this.options.backoffBaseMs * 2 ** (server.failures - 1), this.options.backoffMaxMs);
    this.setStatus(server, remote ? 'error' : 'starting', `${message}; retrying in ${Math.round(wait / 100) / 10} s`);
    this.log(`${server.config.name}: ${message}; retry ${server.failures} in ${wait} ms`);
    server.timer = setTimeout(() => {
      server.timer = null;
      if (server.generation === generation && server.config.enabled) this.start(server);
    }, wait);
    server.timer.unref();
  }

  private async stop(server: ManagedServer, status: ServerStatus): Promise<void> {
    server.generation++;
    if (server.timer) clearTimeout(server.timer);
    server.timer = null;
    const connection = server.connection;
    server.connection = null;
    if (connection) {
      server.lastStderr = connection.stderr;
      await connection.close();
    }
    this.setStatus(server, status, null);
  }

  private setStatus(server: ManagedServer, status: ServerStatus, error: string | null): void {
    server.status = status;
    server.error = error;
    this.emit('change', server.config.name);
  }
}

function describeStartError(error: Error & { code?: string }, config: ServerConfig): string {
  if (error.code === 'ENOENT' && config.transport === 'stdio') {
    // spawn says ENOENT for a missing working directory too.
    if (config.cwd && !existsSync(config.cwd)) return `working directory not found: ${config.cwd}. Create it or change cwd.`;
    return `command not found: ${config.command}. Install it or give its full path.`;
  }
  if (error.code === 'EACCES') return `permission denied running ${config.command}; make it executable or give another path`;
  if (error.code === 'ECONNREFUSED') return `nothing answers at ${config.url}; is the server running?`;
  return error.message || String(error);
}
