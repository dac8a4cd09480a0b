import type { ProviderView } from '../../../shared/providers';
import { messageOf, type ApiClient } from '../lib/api-client';
import { Snapshot } from './snapshot.svelte';

/** One entry of `GET /api/providers/presets`. */
export interface ProviderPreset {
  preset: string;
  name: string;
  baseUrl: string;
  api: 'chat' | 'responses';
  models: readonly string[];
  needsKey: boolean;
}

/** What the provider form sends (`apiKey` only when typed). */
export interface ProviderInput {
  preset?: string;
  name: string;
  baseUrl: string;
  api: 'chat' | 'responses';
  apiKey?: string;
  models: string[];
  aliases: Record<string, string>;
}

/** `POST /api/providers/{id}/test`. */
export interface ProviderTest {
  ok: boolean;
  models?: string[];
  error?: string;
  status?: number;
}

/** Upstream LLM providers for /v1. */
export class ProvidersState extends Snapshot<ProviderView[]> {
  presets = $state.raw<ProviderPreset[]>([]);
  presetsError = $state<string | null>(null);

  constructor(api: ApiClient) {
    super(api, '/api/providers', []);
  }

  async loadPresets(): Promise<void> {
    if (this.presets.length) return;
    try {
      this.presets = await this.api.get<ProviderPreset[]>('/api/providers/presets');
      this.presetsError = null;
    } catch (error) {
      this.presetsError = messageOf(error);
    }
  }

  async create(input: ProviderInput): Promise<ProviderView> {
    const view = await this.api.post<ProviderView>('/api/providers', input);
    await this.refresh();
    return view;
  }

  async update(id: string, patch: Partial<ProviderInput>): Promise<ProviderView> {
    const view = await this.api.patch<ProviderView>(`/api/providers/${encodeURIComponent(id)}`, patch);
    this.value = this.value.map((provider) => (provider.id === id ? view : provider));
    return view;
  }

  async remove(id: string): Promise<void> {
    await this.api.delete(`/api/providers/${encodeURIComponent(id)}`);
    this.value = this.value.filter((provider) => provider.id !== id);
  }

  /** Lists the provider's models to see that the URL and key work. */
  test(id: string): Promise<ProviderTest> {
    return this.api.post<ProviderTest>(`/api/providers/${encodeURIComponent(id)}/test`);
  }

  /** Every model name a request may use (listed models and aliases). */
  get modelNames(): string[] {
    return [...new Set(this.value.flatMap((provider) => [...provider.models, ...Object.keys(provider.aliases)]))];
  }
}
