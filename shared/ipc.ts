/** IPC channel names between the tray app's main process and its window, defined once. */
export const IPC = {
  /** Sync request from the preload: the base URL and key the dashboard uses. */
  config: 'gatehouse:config',
} as const;

/** What the preload exposes to the dashboard as `window.gatehouse`. */
export interface DesktopBridge {
  readonly baseUrl: string;
  readonly key: string;
  /** How secrets are kept on this desktop (e.g. `basic_text` means plain text on Linux). */
  readonly secretStorage: string;
}
