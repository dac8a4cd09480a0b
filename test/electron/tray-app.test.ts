import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TrayApp } from '../../main/electron/tray-app';
import { TEST_SERVER, waitFor } from '../helpers/gateway';
import { createFakeElectron } from './fake-electron';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// The tray app with Electron faked (its binary cannot run here) around the real core: a real
// gateway on 127.0.0.1, a real child server, a real SQLite file in the fake userData folder.
describe('tray app (Electron faked)', () => {
  const userData = mkdtempSync(join(tmpdir(), 'gatehouse-tray-'));
  const marker = join(userData, 'marker.log');
  const { electron, recorded } = createFakeElectron(userData);
  let tray: TrayApp;
  let api: (method: string, path: string, body?: unknown) => Promise<any>;

  beforeAll(async () => {
    process.env.GATEHOUSE_QUIET = '1';
    process.env.GATEHOUSE_LOGIN_SHELL = '0';
    tray = new TrayApp(electron as never);
    await tray.start();
    const gatehouse = tray.gatehouse!;
    api = async (method, path, body) => {
      const response = await fetch(gatehouse.listenUrl + path, {
        method,
        headers: { authorization: `Bearer ${gatehouse.masterKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return response.json();
    };
    await api('POST', '/api/servers', { name: 'fixture', command: process.execPath, args: [TEST_SERVER, '--marker', marker] });
    await waitFor(async () => (await api('GET', '/api/servers/fixture')).status === 'ready' || undefined, 20_000);
  });
  afterAll(() => rmSync(userData, { recursive: true, force: true }));

  it('keeps its data in userData and shows a running tray', () => {
    expect(tray.gatehouse!.options.dataDir).toBe(userData);
    const menu = recorded.menus.at(-1)!;
    expect(menu[0].label).toBe('Running');
  });

  it('hands the window its base URL, key and secret storage through the preload only', async () => {
    tray.openDashboard();
    const window = recorded.windows[0];
    expect(window.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(window.url).toBe(`${tray.gatehouse!.listenUrl}/ui/`);
    vi.doMock('electron', () => electron);
    await import('../../main/electron/preload');
    const [bridge] = recorded.exposed;
    expect(bridge.name).toBe('gatehouse');
    expect(Object.isFrozen(bridge.value)).toBe(true);
    expect(bridge.value).toEqual({ baseUrl: tray.gatehouse!.listenUrl, key: tray.gatehouse!.masterKey, secretStorage: 'basic_text' });
  });

  it('hides the window on close instead of quitting, and denies new windows', () => {
    const window = recorded.windows[0];
    const event = { preventDefault: vi.fn() };
    window.emit('close', event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(window.visible).toBe(false);
    expect(window.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).not.toHaveBeenCalled();
  });

  it('copies the MCP URL and the Cursor config', async () => {
    await tray.act('copy-url');
    await tray.act('copy-cursor');
    expect(recorded.clipboard[0]).toBe(`${tray.gatehouse!.listenUrl}/mcp`);
    expect(JSON.parse(recorded.clipboard[1]).mcpServers.Gatehouse.headers['x-litellm-api-key']).toBe(`Bearer ${tray.gatehouse!.masterKey}`);
  });

  it('pauses (nothing listens, the child stops) and resumes', async () => {
    const url = tray.gatehouse!.listenUrl;
    await tray.act('toggle-pause');
    expect(recorded.menus.at(-1)![0].label).toBe('Paused');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    await tray.act('toggle-pause');
    expect((await (await fetch(`${url}/health`)).json()).status).toBe('ok');
    await waitFor(async () => (await api('GET', '/api/servers/fixture')).status === 'ready' || undefined, 20_000);
  });

  it('notifies for a call waiting for approval and approves it from the notification', async () => {
    await api('PATCH', '/api/tools/fixture-echo', { approval: 'always' });
    const call = fetch(`${tray.gatehouse!.listenUrl}/api/tools/fixture-echo/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tray.gatehouse!.masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ arguments: { text: 'from the tray' } }),
    }).then((response) => response.json());
    const notification = await waitFor(() => recorded.notifications.find((entry) => entry.shown), 5_000, 'notification');
    expect(notification.options.title).toBe('Approve fixture-echo?');
    expect(recorded.menus.at(-1)!.some((item: any) => /1 call waiting for approval/.test(item.label ?? ''))).toBe(true);
    notification.emit('action', {}, 0);
    expect((await call).content).toEqual([{ type: 'text', text: 'from the tray' }]);
  });

  it('toggles start at login', async () => {
    await tray.act('toggle-login');
    expect(recorded.loginItem.openAtLogin).toBe(true);
    expect((await api('GET', '/api/settings')).startAtLogin).toBe(true);
  });

  it('quits by stopping the core and every child', async () => {
    const pid = Number(/started (\d+)/.exec(readFileSync(marker, 'utf8').trim().split('\n').filter((line) => line.startsWith('started')).at(-1)!)![1]);
    expect(alive(pid)).toBe(true);
    await tray.act('quit');
    expect(recorded.exitCodes).toEqual([0]);
    expect(alive(pid)).toBe(false);
  });
});
