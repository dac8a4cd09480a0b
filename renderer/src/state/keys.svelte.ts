import type { KeyInfo } from '../../../shared/types';
import type { ApiClient } from '../lib/api-client';
import { Snapshot } from './snapshot.svelte';

/** What the key form sends. */
export type KeyInput = Pick<KeyInfo, 'name' | 'servers' | 'tools' | 'models' | 'expiresAt'>;

/** A key just made: the only time its secret is known. */
export interface CreatedKey {
  info: KeyInfo;
  key: string;
}

/** Virtual keys. */
export class KeysState extends Snapshot<KeyInfo[]> {
  /** The key made last, shown once until dismissed. */
  created = $state.raw<CreatedKey | null>(null);
  /** Keys made in this tab, offered to the overview's snippets; never stored. */
  madeHere = $state.raw<CreatedKey[]>([]);

  constructor(api: ApiClient) {
    super(api, '/api/keys', []);
  }

  async create(input: KeyInput): Promise<CreatedKey> {
    const { key, ...info } = await this.api.post<KeyInfo & { key: string }>('/api/keys', input);
    const created = { info, key };
    this.created = created;
    this.madeHere = [...this.madeHere, created];
    await this.refresh();
    return created;
  }

  /** Revokes a key; it stops working on the next request. */
  async revoke(id: string): Promise<void> {
    await this.api.delete(`/api/keys/${encodeURIComponent(id)}`);
    this.value = this.value.filter((key) => key.id !== id);
    this.madeHere = this.madeHere.filter((made) => made.info.id !== id);
    if (this.created?.info.id === id) this.created = null;
  }

  /** Hides the just-made key for good. */
  dismiss(): void {
    this.created = null;
  }
}
