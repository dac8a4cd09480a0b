import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Encrypts secrets at rest. Headless it uses a key file; the tray app can swap in safeStorage. */
export interface SecretBox {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
  /** Shown in the dashboard: how secrets are protected. */
  readonly kind: string;
}

const KEY_FILE_NAME = 'secret.key';
const PREFIX = 'v1:';

/** AES-256-GCM with a random key kept in the data dir with mode 0600. */
export class FileSecretBox implements SecretBox {
  readonly kind = 'key file (0600)';
  private readonly key: Buffer;

  constructor(dataDir: string) {
    const path = join(dataDir, KEY_FILE_NAME);
    if (existsSync(path)) {
      this.key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
      if (this.key.length !== 32) throw new Error(`${path} is damaged: expected a 32-byte key`);
    } else {
      this.key = randomBytes(32);
      writeFileSync(path, this.key.toString('base64'), { mode: 0o600, flag: 'wx' });
    }
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  decrypt(sealed: string): string {
    if (sealed.startsWith('ss1:')) throw new Error('sealed by the tray app with the system keychain; open the tray app to use it');
    if (!sealed.startsWith(PREFIX)) throw new Error('secret has an unknown format');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
