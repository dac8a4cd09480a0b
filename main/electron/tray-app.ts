import { join } from 'node:path';
import type { BrowserWindow as BrowserWindowType, Tray as TrayType } from 'electron';
import { Gatehouse } from '../app/gatehouse';
import { IPC, type DesktopBridge } from '../../shared/ipc';
import type { ElectronApi } from './electron-adapter';
import { SafeStorageSecretBox } from './safe-storage-box';
import { buildTrayMenu, cursorConfig, trayIconName, trayTooltip, type TrayAction, type TrayState } from './tray-menu';
import { dashboardWindowOptions, isExternalUrlAllowed, isNavigationAllowed } from './window-options';
import { FileSecretBox } from '../store/secret-box';

/** Where the app's static assets (icons) live, relative to the compiled file. */
const ASSETS_DIR = join(__dirname, '..', '..', '..', 'build', 'icons');

/**
 * The tray app: the same core as `gatehouse serve`, in Electron's main process, with a tray
 * icon, one dashboard window and desktop notifications for calls waiting for approval. Thin on
 * purpose: everything it shows comes from the core or its admin API.
 */
export class TrayApp {
  gatehouse: Gatehouse | null = null;
  private tray: TrayType | null = null;
  private window: BrowserWindowType | null = null;
  private quitting = false;
  private notified = new Set<string>();

  constructor(private readonly electron: ElectronApi) {}

  /** Starts everything; resolves once the gateway listens. */
  async start(options: { nativeBinding?: string } = {}): Promise<void> {
    const { app, safeStorage, ipcMain } = this.electron;
    if (process.platform === 'darwin') app.dock?.hide();
    const dataDir = app.getPath('userData');
    this.gatehouse = new Gatehouse({
      dataDir,
      secretBox: new SafeStorageSecretBox(safeStorage, new FileSecretBox(dataDir)),
      masterKey: process.env.GATEHOUSE_MASTER_KEY,
      nativeBinding: options.nativeBinding,
    });
    await this.gatehouse.start();
    ipcMain.on(IPC.config, (event) => {
      const bridge: DesktopBridge = { baseUrl: this.gatehouse!.listenUrl, key: this.gatehouse!.masterKey, secretStorage: this.gatehouse!.secretStorageKind };
      event.returnValue = bridge;
    });
    this.tray = new this.electron.Tray(this.icon(this.state()));
    this.tray.on('click', () => this.openDashboard());
    this.gatehouse.supervisor.on('change', () => this.refresh());
    this.gatehouse.approvals.on('change', () => {
      this.refresh();
      this.notifyApprovals();
    });
    this.refresh();
  }

  /** The tray's current state. */
  state(): TrayState {
    const gatehouse = this.gatehouse;
    const servers = gatehouse ? [...gatehouse.supervisor.servers.values()] : [];
    return {
      running: Boolean(gatehouse && !gatehouse.paused),
      serversInError: servers.filter((server) => server.status === 'error').length,
      approvalsWaiting: gatehouse?.approvals.list().length ?? 0,
      startAtLogin: this.electron.app.getLoginItemSettings().openAtLogin,
      url: gatehouse?.listenUrl ?? '',
    };
  }

  /** Runs a tray menu action. */
  async act(action: TrayAction): Promise<void> {
    const { clipboard, app } = this.electron;
    const gatehouse = this.gatehouse!;
    switch (action) {
      case 'open':
        return this.openDashboard();
      case 'open-approvals':
        return this.openDashboard('#/approvals');
      case 'copy-url':
        return clipboard.writeText(`${gatehouse.listenUrl}/mcp`);
      case 'copy-cursor':
        return clipboard.writeText(cursorConfig(gatehouse.listenUrl, gatehouse.masterKey));
      case 'toggle-pause':
        await (gatehouse.paused ? gatehouse.resume() : gatehouse.pause());
        return this.refresh();
      case 'toggle-login': {
        const openAtLogin = !app.getLoginItemSettings().openAtLogin;
        app.setLoginItemSettings({ openAtLogin });
        gatehouse.settings.update({ startAtLogin: openAtLogin });
        return this.refresh();
      }
      case 'quit':
        return this.quit();
    }
  }

  /** Stops the core (every child with the stop ladder), then exits. */
  async quit(): Promise<void> {
    if (this.quitting) return;
    this.quitting = true;
    this.window?.destroy();
    this.tray?.destroy();
    await this.gatehouse?.stop();
    this.electron.app.exit(0);
  }

  /** Shows the dashboard window, creating it on first use; closing it only hides it. */
  openDashboard(hash = ''): void {
    const { BrowserWindow, shell } = this.electron;
    const home = `${this.gatehouse!.listenUrl}/ui/${hash}`;
    if (!this.window) {
      const window = new BrowserWindow(dashboardWindowOptions(join(__dirname, 'preload.js')));
      window.webContents.setWindowOpenHandler(({ url }) => {
        if (isExternalUrlAllowed(url)) void shell.openExternal(url);
        return { action: 'deny' };
      });
      window.webContents.on('will-navigate', (event, url) => {
        if (!isNavigationAllowed(url, home)) event.preventDefault();
      });
      window.on('close', (event) => {
        if (this.quitting) return;
        event.preventDefault();
        window.hide();
      });
      window.once('ready-to-show', () => window.show());
      this.window = window;
      void window.loadURL(home);
      return;
    }
    if (hash) void this.window.loadURL(home);
    this.window.show();
    this.window.focus();
  }

  private refresh(): void {
    if (!this.tray) return;
    const state = this.state();
    const { Menu } = this.electron;
    this.tray.setImage(this.icon(state));
    this.tray.setToolTip(trayTooltip(state));
    const template = buildTrayMenu(state).map((item) => ({
      label: item.label,
      type: item.type,
      checked: item.checked,
      enabled: item.enabled,
      click: item.action ? () => void this.act(item.action!) : undefined,
    }));
    this.tray.setContextMenu(Menu.buildFromTemplate(template));
  }

  private icon(state: TrayState) {
    const { nativeImage, nativeTheme } = this.electron;
    const name = trayIconName(state);
    if (process.platform === 'darwin') {
      const image = nativeImage.createFromPath(join(ASSETS_DIR, `${name}-Template.png`));
      image.setTemplateImage(true);
      return image;
    }
    const variant = nativeTheme.shouldUseDarkColors ? 'light' : 'dark';
    return nativeImage.createFromPath(join(ASSETS_DIR, `${name}-${variant}.png`));
  }

  /** One desktop notification per call waiting for approval, with Approve and Deny. */
  private notifyApprovals(): void {
    const { Notification } = this.electron;
    const pending = this.gatehouse!.approvals.list();
    const ids = new Set(pending.map((call) => call.id));
    for (const id of this.notified) if (!ids.has(id)) this.notified.delete(id);
    if (!Notification.isSupported()) return;
    for (const call of pending) {
      if (this.notified.has(call.id)) continue;
      this.notified.add(call.id);
      const notification = new Notification({
        title: `Approve ${call.tool}?`,
        body: `${call.client ?? call.surface} with key ${call.key ?? 'unknown'} wants to run it.`,
        actions: [
          { type: 'button', text: 'Approve' },
          { type: 'button', text: 'Deny' },
        ],
      });
      notification.on('action', (_event, index) => this.gatehouse?.approvals.decide(call.id, index === 0 ? 'approve' : 'deny'));
      notification.on('click', () => this.openDashboard('#/approvals'));
      notification.show();
    }
  }
}
