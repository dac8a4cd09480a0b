import { contextBridge, ipcRenderer } from 'electron';
import type { DesktopBridge, IPC } from '../../shared/ipc';

// A sandboxed preload may require only 'electron', so the channel name is repeated here and
// checked against the shared definition by the compiler.
const CONFIG_CHANNEL: (typeof IPC)['config'] = 'gatehouse:config';

// The window's only bridge: one frozen object with the base URL, a key and how secrets are
// kept. No Node, no IPC beyond this one synchronous read.
const config = ipcRenderer.sendSync(CONFIG_CHANNEL) as DesktopBridge;
contextBridge.exposeInMainWorld(
  'gatehouse',
  Object.freeze({ baseUrl: String(config.baseUrl), key: String(config.key), secretStorage: String(config.secretStorage) }),
);
