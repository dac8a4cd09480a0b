import { EventEmitter } from 'node:events';
import * as crypto from 'node:crypto';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { KeyInfo, Principal } from '../../shared/types';
import type { KeyRepository } from '../store/key-repository';

/** How often last-use times are written. */
export const KEY_TOUCH_FLUSH_MS = 5_000;

/** SHA-256 of a key, as stored. */
export function hashKey(key: string): string {
  return sha256(key).toString('hex');
}

/** SHA-256 in one call (`crypto.hash`, Node ≥ 20.12, about twice as fast), else through a Hash object. */
const sha256: (text: string) => Buffer =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (text) => (crypto as unknown as { hash: (algorithm: string, data: string, encoding: 'buffer') => Buffer }).hash('sha256', text, 'buffer')
    : (text) => createHash('sha256').update(text).digest();

/**
 * Creates, checks and revokes keys. Virtual keys live in SQLite as hashes; an in-memory map of
 * hash → key answers each request without touching the disk.
 */
export class KeyService extends EventEmitter {
  private byHash = new Map<string, KeyInfo>();
  private readonly masterDigest: Buffer;
  private readonly touched = new Map<string, string>();
  private readonly flushTimer: NodeJS.Timeout;

  constructor(
    private readonly repository: KeyRepository,
    masterKey: string,
    private readonly onError: (error: unknown) => void,
  ) {
    super();
    this.masterDigest = sha256(masterKey);
    this.reload();
    this.flushTimer = setInterval(() => this.flush(), KEY_TOUCH_FLUSH_MS).unref();
  }

  /** Who holds `token`, or null if it is no valid key (unknown, revoked or expired). */
  verify(token: string): Principal | null {
    const digest = sha256(token);
    if (timingSafeEqual(digest, this.masterDigest)) return { kind: 'master' };
    // The map lookup is by hash, so the key itself is never compared byte by byte.
    const info = this.byHash.get(digest.toString('hex'));
    if (!info) return null;
    if (info.expiresAt && Date.parse(info.expiresAt) <= Date.now()) return null;
    const now = new Date().toISOString();
    info.lastUsedAt = now;
    this.touched.set(info.id, now);
    return { kind: 'virtual', key: info };
  }

  list(): KeyInfo[] {
    return [...this.byHash.values()].map((info) => ({ ...info }));
  }

  get(id: string): KeyInfo | null {
    for (const info of this.byHash.values()) if (info.id === id) return { ...info };
    return null;
  }

  /** Makes a new key; the plain key is returned once and never stored. */
  create(input: Pick<KeyInfo, 'name' | 'servers' | 'tools' | 'models' | 'expiresAt'>): { key: string; info: KeyInfo } {
    const key = `sk-gh-${randomBytes(24).toString('base64url')}`;
    const info: KeyInfo = { id: randomUUID(), ...input, createdAt: new Date().toISOString(), lastUsedAt: null };
    const hash = hashKey(key);
    this.repository.insert(hash, info);
    this.byHash.set(hash, info);
    return { key, info: { ...info } };
  }

  /** Changes a key's limits; emits `changed` so open sessions re-check at once. */
  update(info: KeyInfo): void {
    this.repository.update(info);
    this.reload();
    this.emit('changed', info.id);
  }

  /** Revokes a key; the next request with it is refused and its open sessions end. */
  revoke(id: string): boolean {
    const removed = this.repository.delete(id);
    this.reload();
    if (removed) this.emit('revoked', id);
    return removed;
  }

  /** Writes pending last-use times. */
  flush(): void {
    if (!this.touched.size) return;
    const batch = new Map(this.touched);
    this.touched.clear();
    try {
      this.repository.touch(batch);
    } catch (error) {
      this.onError(error);
    }
  }

  close(): void {
    clearInterval(this.flushTimer);
    this.flush();
  }

  private reload(): void {
    const pending = this.touched;
    this.byHash = new Map(
      this.repository.list().map(({ hash, info }) => [hash, { ...info, lastUsedAt: pending.get(info.id) ?? info.lastUsedAt }]),
    );
  }
}

/**
 * The key a request carries, in any form real clients send: `Authorization: Bearer KEY`
 * (any case), `x-litellm-api-key: Bearer KEY` or `x-litellm-api-key: KEY`, quoted or bare.
 */
export function extractKey(headers: Record<string, string | string[] | undefined>): string | null {
  for (const name of ['x-litellm-api-key', 'authorization', 'x-api-key']) {
    const raw = headers[name];
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (!value) continue;
    const unquoted = value.replace(/^["']|["']$/g, '').trim();
    const match = /^bearer\s+(.+)$/i.exec(unquoted);
    const key = (match ? match[1] : unquoted).replace(/^["']|["']$/g, '').trim();
    if (key) return key;
  }
  return null;
}
