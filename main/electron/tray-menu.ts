/** What the tray shows. */
export interface TrayState {
  running: boolean;
  /** Servers in `error`. */
  serversInError: number;
  /** Tool calls waiting for approval. */
  approvalsWaiting: number;
  startAtLogin: boolean;
  url: string;
}

/** Actions a menu item triggers. */
export type TrayAction = 'open' | 'copy-url' | 'copy-cursor' | 'toggle-pause' | 'toggle-login' | 'quit' | 'open-approvals';

/** One menu item, free of Electron so it can be tested under Node. */
export interface TrayMenuItem {
  label?: string;
  action?: TrayAction;
  enabled?: boolean;
  type?: 'separator' | 'checkbox' | 'normal';
  checked?: boolean;
}

/** The tray icon variant for a state. */
export function trayIconName(state: TrayState): 'tray-running' | 'tray-paused' | 'tray-error' {
  if (!state.running) return 'tray-paused';
  return state.serversInError > 0 ? 'tray-error' : 'tray-running';
}

/** The tooltip: one line of status. */
export function trayTooltip(state: TrayState): string {
  if (!state.running) return 'Gatehouse: paused';
  const parts = [`Gatehouse: running at ${state.url}`];
  if (state.serversInError) parts.push(`${state.serversInError} server${state.serversInError === 1 ? '' : 's'} in error`);
  if (state.approvalsWaiting) parts.push(`${state.approvalsWaiting} waiting for approval`);
  return parts.join(' · ');
}

/** The tray menu for a state. */
export function buildTrayMenu(state: TrayState): TrayMenuItem[] {
  const status = !state.running
    ? 'Paused'
    : state.serversInError
      ? `Running · ${state.serversInError} server${state.serversInError === 1 ? '' : 's'} in error`
      : 'Running';
  const items: TrayMenuItem[] = [{ label: status, enabled: false }];
  if (state.approvalsWaiting) {
    items.push({ label: `${state.approvalsWaiting} call${state.approvalsWaiting === 1 ? '' : 's'} waiting for approval…`, action: 'open-approvals' });
  }
  items.push(
    { type: 'separator' },
    { label: 'Open dashboard', action: 'open' },
    { label: 'Copy MCP URL', action: 'copy-url', enabled: state.running },
    { label: 'Copy Cursor config', action: 'copy-cursor', enabled: state.running },
    { type: 'separator' },
    { label: state.running ? 'Pause gateway' : 'Resume gateway', action: 'toggle-pause' },
    { label: 'Start at login', type: 'checkbox', checked: state.startAtLogin, action: 'toggle-login' },
    { type: 'separator' },
    { label: 'Quit Gatehouse', action: 'quit' },
  );
  return items;
}

/** The Cursor `mcp.json` snippet for a URL and key. */
export function cursorConfig(url: string, key: string): string {
  return JSON.stringify({ mcpServers: { Gatehouse: { url: `${url}/mcp`, headers: { 'x-litellm-api-key': `Bearer ${key}` } } } }, null, 2);
}
