import type { Settings } from '../../../shared/types';
import type { ApiClient } from '../lib/api-client';
import { Snapshot } from './snapshot.svelte';

/** Port, host, retention and start at login. */
export class SettingsState extends Snapshot<Settings | null> {
  constructor(api: ApiClient) {
    super(api, '/api/settings', null);
  }

  async save(patch: Partial<Settings>): Promise<Settings> {
    const saved = await this.api.patch<Settings>('/api/settings', patch);
    this.value = saved;
    return saved;
  }
}
