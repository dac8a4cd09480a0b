import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

/**
 * The one stand-in for Electron in the tests: the Electron binary cannot run here. It records
 * what the app asks of Electron (tray menu, window options, clipboard, notifications, exit) so
 * the tests can check it; everything else in those tests (the core, its children) is real.
 */
export function createFakeElectron(userData: string) {
  const recorded = {
    menus: [] as any[],
    windows: [] as FakeWindow[],
    clipboard: [] as string[],
    notifications: [] as FakeNotification[],
    exitCodes: [] as number[],
    loginItem: { openAtLogin: false },
    exposed: [] as Array<{ name: string; value: unknown }>,
    ipcHandlers: new Map<string, (event: { returnValue?: unknown }) => void>(),
  };

  class FakeTray extends EventEmitter {
    image: unknown;
    tooltip = '';
    constructor(image: unknown) {
      super();
      this.image = image;
    }
    setImage(image: unknown) {
      this.image = image;
    }
    setToolTip(text: string) {
      this.tooltip = text;
    }
    setContextMenu(menu: { template: any[] }) {
      recorded.menus.push(menu.template);
    }
    destroy() {}
  }

  class FakeWindow extends EventEmitter {
    options: any;
    url = '';
    visible = false;
    destroyed = false;
    openHandler: ((details: { url: string }) => { action: string }) | null = null;
    webContents = Object.assign(new EventEmitter(), {
      setWindowOpenHandler: (handler: (details: { url: string }) => { action: string }) => (this.openHandler = handler),
    });
    constructor(options: any) {
      super();
      this.options = options;
      recorded.windows.push(this);
    }
    async loadURL(url: string) {
      this.url = url;
      this.emit('ready-to-show');
    }
    show() {
      this.visible = true;
    }
    hide() {
      this.visible = false;
    }
    focus() {}
    destroy() {
      this.destroyed = true;
    }
  }

  class FakeNotification extends EventEmitter {
    static isSupported = () => true;
    shown = false;
    constructor(readonly options: any) {
      super();
      recorded.notifications.push(this);
    }
    show() {
      this.shown = true;
    }
  }

  const image = (path: string) => ({ path, template: false, setTemplateImage(value: boolean) { this.template = value; } });

  const electron = {
    app: Object.assign(new EventEmitter(), {
      getPath: (name: string) => (name === 'userData' ? userData : userData),
      dock: { hide: vi.fn() },
      exit: (code: number) => recorded.exitCodes.push(code),
      quit: vi.fn(),
      requestSingleInstanceLock: () => true,
      whenReady: () => Promise.resolve(),
      getLoginItemSettings: () => ({ ...recorded.loginItem }),
      setLoginItemSettings: (settings: { openAtLogin: boolean }) => (recorded.loginItem = { openAtLogin: settings.openAtLogin }),
    }),
    Tray: FakeTray,
    Menu: { buildFromTemplate: (template: any[]) => ({ template }) },
    BrowserWindow: FakeWindow,
    Notification: FakeNotification,
    nativeImage: { createFromPath: image },
    nativeTheme: { shouldUseDarkColors: false },
    clipboard: { writeText: (text: string) => recorded.clipboard.push(text) },
    shell: { openExternal: vi.fn(async () => undefined) },
    dialog: { showErrorBox: vi.fn() },
    ipcMain: { on: (channel: string, handler: (event: { returnValue?: unknown }) => void) => recorded.ipcHandlers.set(channel, handler) },
    ipcRenderer: {
      sendSync: (channel: string) => {
        const event: { returnValue?: unknown } = {};
        recorded.ipcHandlers.get(channel)?.(event);
        return event.returnValue;
      },
    },
    contextBridge: { exposeInMainWorld: (name: string, value: unknown) => recorded.exposed.push({ name, value }) },
    safeStorage: {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => 'basic_text',
      // Reversible stand-in for the OS keychain.
      encryptString: (text: string) => Buffer.from(text, 'utf8').reverse(),
      decryptString: (buffer: Buffer) => Buffer.from(buffer).reverse().toString('utf8'),
    },
  };
  return { electron, recorded };
}
