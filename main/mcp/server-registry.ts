import { maskMap, redactText } from '../../shared/redact';
import type { ServerConfig, ServerView } from '../../shared/types';
import { HttpError } from '../gateway/http-error';
import type { ServerRepository } from '../store/server-repository';
import type { Catalog } from './catalog';
import type { Supervisor } from './supervisor';

/**
 * The configured servers: persistence, and applying each change to the supervisor at once (new
 * starts, removed stops, changed restarts). Changes are applied one after another. Configs
 * arrive checked and complete (`server-config.ts`, loaded with the admin API, not at start-up).
 */
export class ServerRegistry {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly repository: ServerRepository,
    private readonly supervisor: Supervisor,
    private readonly catalog: Catalog,
    private readonly log: (message: string) => void,
  ) {}

  /** Starts every stored server (without waiting for them to be ready). */
  startAll(): Promise<void> {
    return this.sync();
  }

  list(): ServerView[] {
    return this.repository.list().map((config) => this.view(config));
  }

  get(name: string): ServerView {
    return this.view(this.require(name));
  }

  exists(name: string): boolean {
    return this.supervisor.servers.has(name);
  }

  /** Every env and header value of every server: what the log must never show. */
  secretValues(): Set<string> {
    const values = new Set<string>();
    for (const { config } of this.supervisor.servers.values()) {
      for (const value of Object.values(config.env)) values.add(value);
      for (const value of Object.values(config.headers)) values.add(value);
    }
    return values;
  }

  create(config: ServerConfig): ServerView {
    if (this.repository.get(config.name)) throw new HttpError(409, 'conflict', `a server named ${config.name} already exists`);
    this.repository.save(config);
    void this.sync();
    return this.view(config);
  }

  /** Saves several new servers in one transaction (import). */
  createMany(configs: ServerConfig[]): void {
    this.repository.saveAll(configs);
    void this.sync();
  }

  /** Changes a server: `change` gets the stored config and returns the new, complete one. */
  update(name: string, change: (current: ServerConfig) => ServerConfig): ServerView {
    const merged = change(this.require(name));
    if (merged.name !== name) throw new HttpError(400, 'bad_request', 'a server cannot be renamed; delete it and add it again');
    this.repository.save(merged);
    void this.sync();
    return this.view(merged);
  }

  delete(name: string): void {
    this.require(name);
    this.repository.delete(name);
    void this.sync();
  }

  async restart(name: string): Promise<ServerView> {
    this.require(name);
    await this.chain;
    await this.supervisor.restart(name);
    return this.get(name);
  }

  /** Waits until every change made so far has been applied. */
  settled(): Promise<void> {
    return this.chain;
  }

  private sync(): Promise<void> {
    this.chain = this.chain
      .then(() => this.supervisor.apply(this.repository.list()))
      .catch((error: Error) => this.log(`applying server changes failed: ${error.message}`));
    return this.chain;
  }

  private require(name: string): ServerConfig {
    const config = this.repository.get(name);
    if (!config) throw new HttpError(404, 'not_found', `no server named ${name}`);
    return config;
  }

  private view(config: ServerConfig): ServerView {
    const managed = this.supervisor.servers.get(config.name);
    const secrets = new Set([...Object.values(config.env), ...Object.values(config.headers)]);
    const stderr = managed?.connection?.stderr.length ? managed.connection.stderr : (managed?.lastStderr ?? []);
    return {
      ...config,
      env: maskMap(config.env),
      headers: maskMap(config.headers),
      url: config.url ? redactText(config.url, secrets) : null,
      status: managed?.status ?? (config.enabled ? 'starting' : 'disabled'),
      error: managed?.error ? redactText(managed.error, secrets) : null,
      toolCount: this.catalog.toolCount(config.name),
      stderr: stderr.slice(-20).map((line) => redactText(line, secrets)),
    };
  }
}
