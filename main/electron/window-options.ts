import type { BrowserWindowConstructorOptions } from 'electron';

/** The dashboard window: no Node in the page, sandboxed, isolated, with the preload as its only bridge. */
export function dashboardWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1180,
    height: 780,
    minWidth: 760,
    minHeight: 520,
    show: false,
    title: 'Gatehouse',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

/** Whether a URL may be opened in the system browser: http(s) only. */
export function isExternalUrlAllowed(url: string): boolean {
  try {
    const protocol = new URL(url).protocol;
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** Whether the window may navigate to `url`: only within the dashboard it was given. */
export function isNavigationAllowed(url: string, dashboardUrl: string): boolean {
  try {
    const target = new URL(url);
    const home = new URL(dashboardUrl);
    return target.origin === home.origin && target.pathname.startsWith('/ui/');
  } catch {
    return false;
  }
}
