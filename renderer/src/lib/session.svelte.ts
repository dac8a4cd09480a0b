import type { DesktopBridge } from '../../../shared/ipc';
import { ApiClient, ApiError, messageOf, type Credentials } from './api-client';

/** sessionStorage key of the master key typed in a browser tab. */
const STORAGE_KEY = 'gatehouse.masterKey';

/**
 * Who the dashboard talks as. In the tray window the preload hands over `window.gatehouse`
 * (base URL and key); in a browser the person types the master key, kept for this tab only.
 */
export class Session {
  /** The master key in use, or null while the login prompt shows. */
  key = $state<string | null>(null);
  /** Why the last sign-in failed, or why the key was dropped. */
  error = $state<string | null>(null);
  busy = $state(false);
  readonly baseUrl: string;
  /** True inside the tray window: no login prompt, no sign out. */
  readonly desktop: boolean;
  /** The admin API client every state object shares. */
  readonly api: ApiClient;

  constructor(
    private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>,
    bridge: DesktopBridge | undefined,
    private readonly fetchFn?: typeof fetch,
  ) {
    this.desktop = Boolean(bridge?.key);
    this.baseUrl = bridge?.baseUrl ?? '';
    this.key = bridge?.key || storage.getItem(STORAGE_KEY);
    this.api = new ApiClient(() => this.credentials(), fetchFn, (message) => this.refused(message));
  }

  /** Checks a typed key against the API and keeps it for this tab when it works. */
  async signIn(key: string): Promise<boolean> {
    const candidate = key.trim();
    if (!candidate) {
      this.error = 'Enter the master key Gatehouse printed when it started.';
      return false;
    }
    this.busy = true;
    this.error = null;
    try {
      const probe = new ApiClient(() => ({ baseUrl: this.baseUrl, key: candidate }), this.fetchFn);
      await probe.get('/api/status');
      this.storage.setItem(STORAGE_KEY, candidate);
      this.key = candidate;
      return true;
    } catch (error) {
      this.error =
        error instanceof ApiError && (error.status === 401 || error.status === 403)
          ? 'That key was not accepted. Use the master key (sk-gatehouse-master-…), not a virtual key.'
          : messageOf(error);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Forgets the key in this tab. */
  signOut(message: string | null = null): void {
    this.storage.removeItem(STORAGE_KEY);
    this.key = null;
    this.error = message;
  }

  private credentials(): Credentials {
    return { baseUrl: this.baseUrl, key: this.key ?? '' };
  }

  private refused(message: string): void {
    // The tray's key cannot be retyped; only a browser tab goes back to the prompt.
    if (!this.desktop && this.key) this.signOut(`Signed out: ${message}`);
  }
}
