/**
 * The one place that loads Electron. Under plain Node `require('electron')` does not give the
 * API (it resolves to the binary's path, or throws when the binary is missing), so everything
 * else imports Electron types only and gets the API from here.
 */
export type ElectronApi = typeof import('electron');

/** The Electron API inside the Electron runtime, or null under plain Node. */
export function loadElectron(): ElectronApi | null {
  if (!process.versions.electron) return null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('electron') as ElectronApi;
}
