import { describe, expect, it } from 'vitest';
import { buildTrayMenu, cursorConfig, trayIconName, trayTooltip, type TrayState } from '../../main/electron/tray-menu';
import { dashboardWindowOptions, isExternalUrlAllowed, isNavigationAllowed } from '../../main/electron/window-options';

const base: TrayState = { running: true, serversInError: 0, approvalsWaiting: 0, startAtLogin: false, url: 'http://127.0.0.1:4000' };
const labels = (state: TrayState) => buildTrayMenu(state).filter((item) => item.label).map((item) => item.label);

describe('tray menu model', () => {
  it('offers every action when running', () => {
    expect(labels(base)).toEqual(['Running', 'Open dashboard', 'Copy MCP URL', 'Copy Cursor config', 'Pause gateway', 'Start at login', 'Quit Gatehouse']);
    expect(trayIconName(base)).toBe('tray-running');
    expect(trayTooltip(base)).toBe('Gatehouse: running at http://127.0.0.1:4000');
  });

  it('shows paused, offers Resume and disables the copy items', () => {
    const menu = buildTrayMenu({ ...base, running: false });
    expect(menu[0].label).toBe('Paused');
    expect(menu.find((item) => item.action === 'toggle-pause')?.label).toBe('Resume gateway');
    expect(menu.find((item) => item.action === 'copy-url')?.enabled).toBe(false);
    expect(trayIconName({ ...base, running: false })).toBe('tray-paused');
  });

  it('shows servers in error and the count of calls waiting for approval', () => {
    const state = { ...base, serversInError: 2, approvalsWaiting: 3 };
    expect(labels(state).slice(0, 2)).toEqual(['Running · 2 servers in error', '3 calls waiting for approval…']);
    expect(trayIconName(state)).toBe('tray-error');
    expect(trayTooltip(state)).toContain('3 waiting for approval');
  });

  it('reflects start at login as a checkbox', () => {
    const item = buildTrayMenu({ ...base, startAtLogin: true }).find((entry) => entry.action === 'toggle-login');
    expect(item).toMatchObject({ type: 'checkbox', checked: true });
  });

  it('copies a Cursor config with the x-litellm-api-key header', () => {
    expect(JSON.parse(cursorConfig('http://127.0.0.1:4000', 'sk-k'))).toEqual({
      mcpServers: { Gatehouse: { url: 'http://127.0.0.1:4000/mcp', headers: { 'x-litellm-api-key': 'Bearer sk-k' } } },
    });
  });
});

describe('dashboard window security', () => {
  it('isolates and sandboxes the page with no Node', () => {
    const options = dashboardWindowOptions('/app/preload.js');
    expect(options.webPreferences).toMatchObject({
      preload: '/app/preload.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
  });

  it('opens only http(s) links outside and navigates only within the dashboard', () => {
    expect(isExternalUrlAllowed('https://modelcontextprotocol.io')).toBe(true);
    expect(isExternalUrlAllowed('file:///etc/passwd')).toBe(false);
    expect(isExternalUrlAllowed('javascript:alert(1)')).toBe(false);
    expect(isNavigationAllowed('http://127.0.0.1:4000/ui/#/logs', 'http://127.0.0.1:4000/ui/')).toBe(true);
    expect(isNavigationAllowed('http://evil.example/ui/', 'http://127.0.0.1:4000/ui/')).toBe(false);
    expect(isNavigationAllowed('http://127.0.0.1:4000/api/keys', 'http://127.0.0.1:4000/ui/')).toBe(false);
  });
});
