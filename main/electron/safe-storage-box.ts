import type { SafeStorage } from 'electron';
import type { SecretBox } from '../store/secret-box';

const PREFIX = 'ss1:';

/**
 * Secrets sealed with Electron's safeStorage (Keychain, DPAPI, libsecret/kwallet). On Linux
 * without a keyring Electron falls back to a plain-text backend: `kind` says so, and the
 * dashboard warns.
 */
export class SafeStorageSecretBox implements SecretBox {
  readonly kind: string;

  constructor(
    private readonly safeStorage: SafeStorage,
    private readonly fallback: SecretBox,
  ) {
    const backend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os';
    this.kind = safeStorage.isEncryptionAvailable() ? (backend === 'basic_text' ? 'basic_text' : `safeStorage (${backend})`) : fallback.kind;
  }

  encrypt(plain: string): string {
    if (!this.safeStorage.isEncryptionAvailable()) return this.fallback.encrypt(plain);
    return PREFIX + this.safeStorage.encryptString(plain).toString('base64');
  }

  decrypt(sealed: string): string {
    // Values sealed headless (key file) stay readable in the tray app and back.
    if (!sealed.startsWith(PREFIX)) return this.fallback.decrypt(sealed);
    return this.safeStorage.decryptString(Buffer.from(sealed.slice(PREFIX.length), 'base64'));
  }
}
