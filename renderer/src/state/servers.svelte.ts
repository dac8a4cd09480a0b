import type { ServerConfig, ServerView } from '../../../shared/types';
import type { ApiClient } from '../lib/api-client';
import { Snapshot } from './snapshot.svelte';

/** What the server form sends: the config fields, name fixed after creation. */
export type ServerInput = Partial<Omit<ServerConfig, 'name'>> & { name: string };

/** `POST /api/import`: what an import adds, renames and skips. */
export interface ImportResult {
  dryRun: boolean;
  added: ServerConfig[];
  renamed: Array<{ from: string; to: string }>;
  skipped: Array<{ name: string; reason: string }>;
}

/** The configured MCP servers with their live status. */
export class ServersState extends Snapshot<ServerView[]> {
  constructor(api: ApiClient) {
    super(api, '/api/servers', []);
  }

  /** Adds a server; it starts at once. */
  async create(input: ServerInput): Promise<ServerView> {
    const view = await this.api.post<ServerView>('/api/servers', input);
    await this.refresh();
    return view;
  }

  /** Changes a server; masked env and header values sent back keep their stored values. */
  async update(name: string, patch: Omit<ServerInput, 'name'>): Promise<ServerView> {
    const view = await this.api.patch<ServerView>(`/api/servers/${encodeURIComponent(name)}`, patch);
    this.replace(view);
    return view;
  }

  async setEnabled(name: string, enabled: boolean): Promise<void> {
    await this.update(name, { enabled });
  }

  async restart(name: string): Promise<void> {
    this.replace(await this.api.post<ServerView>(`/api/servers/${encodeURIComponent(name)}/restart`));
  }

  async remove(name: string): Promise<void> {
    await this.api.delete(`/api/servers/${encodeURIComponent(name)}`);
    this.value = this.value.filter((server) => server.name !== name);
  }

  /** What importing `document` would do (nothing is saved). */
  preview(document: unknown): Promise<ImportResult> {
    return this.api.post<ImportResult>('/api/import?dryRun=true', document);
  }

  /** Imports the servers of a Claude Desktop, Cursor or VS Code document. */
  async import(document: unknown): Promise<ImportResult> {
    const result = await this.api.post<ImportResult>('/api/import', document);
    await this.refresh();
    return result;
  }

  private replace(view: ServerView | undefined): void {
    if (!view?.name) return void this.refresh();
    this.value = this.value.map((server) => (server.name === view.name ? view : server));
  }
}
