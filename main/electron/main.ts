// First: modules loaded after it are compiled once and then read from the cache.
import '../app/compile-cache';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadElectron } from './electron-adapter';
import { TrayApp } from './tray-app';

/** The Electron entry (package.json `main`): one instance, a tray, no window until asked. */
function main(): void {
  const electron = loadElectron();
  if (!electron) {
    process.stderr.write('This is the tray app entry; run it with Electron (npm start), or use `gatehouse serve`.\n');
    process.exit(1);
  }
  const { app, dialog } = electron;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const tray = new TrayApp(electron);
  app.on('second-instance', () => tray.openDashboard());
  // A tray app keeps running with no window open.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    event.preventDefault();
    void tray.quit();
  });
  // better-sqlite3 built for Electron's ABI, kept apart from the Node build (see scripts/start.js).
  const nativeBinding = join(__dirname, '..', '..', '..', 'build', 'electron-native', 'better_sqlite3.node');
  void app.whenReady().then(() =>
    tray.start({ nativeBinding: existsSync(nativeBinding) ? nativeBinding : undefined }).catch((error: Error) => {
      dialog.showErrorBox('Gatehouse could not start', error.message);
      app.exit(1);
    }),
  );
}

main();
