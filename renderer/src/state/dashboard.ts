import type { ApiClient } from '../lib/api-client';
import { ApprovalsState } from './approvals.svelte';
import { KeysState } from './keys.svelte';
import { LogsState } from './logs.svelte';
import { ProvidersState } from './providers.svelte';
import { ServersState } from './servers.svelte';
import { SettingsState } from './settings.svelte';
import { StatusState } from './status.svelte';
import { ToolsState } from './tools.svelte';

/** Every piece of dashboard state, built once over one API client (the wiring point). */
export class Dashboard {
  readonly status: StatusState;
  readonly servers: ServersState;
  readonly tools: ToolsState;
  readonly keys: KeysState;
  readonly providers: ProvidersState;
  readonly logs: LogsState;
  readonly approvals: ApprovalsState;
  readonly settings: SettingsState;

  constructor(readonly api: ApiClient) {
    this.status = new StatusState(api);
    this.servers = new ServersState(api);
    this.tools = new ToolsState(api);
    this.keys = new KeysState(api);
    this.providers = new ProvidersState(api);
    this.logs = new LogsState(api);
    this.approvals = new ApprovalsState(api);
    this.settings = new SettingsState(api);
  }

  /** Stops everything that runs in the background (sign out). */
  stop(): void {
    this.logs.stop();
  }
}
