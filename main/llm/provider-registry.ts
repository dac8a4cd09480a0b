import { randomUUID } from 'node:crypto';
import type OpenAI from 'openai';
import type { ProviderInput, ProviderPatch } from '../../shared/provider-schemas';
import { PROVIDER_PRESETS, type ProviderView } from '../../shared/providers';
import { HttpError } from '../gateway/http-error';
import type { ProviderRecord, ProviderRepository } from '../store/provider-repository';
import { createClient, toUpstreamError, type ProviderEndpoint } from './model-client';

/** A model name resolved to the provider that serves it. */
export interface ResolvedModel {
  provider: ProviderRecord;
  client: OpenAI;
  /** The name the provider knows the model by. */
  served: string;
}

/**
 * Upstream LLM providers: CRUD, presets, and resolving the model a request names (a listed
 * model, an alias, or `provider/model`) to the provider and its SDK client.
 */
export class ProviderRegistry {
  private providers: ProviderRecord[];
  private readonly clients = new Map<string, OpenAI>();

  constructor(private readonly repository: ProviderRepository) {
    this.providers = repository.list();
  }

  list(): ProviderView[] {
    return this.providers.map(view);
  }

  get(id: string): ProviderView {
    return view(this.require(id));
  }

  /** Adds a provider from checked input (provider-schemas.ts). */
  create(parsed: ProviderInput): ProviderView {
    const preset = PROVIDER_PRESETS.find((candidate) => candidate.preset === parsed.preset);
    const name = parsed.name ?? preset?.name;
    const baseUrl = parsed.baseUrl ?? preset?.baseUrl;
    if (!name || !baseUrl) throw new HttpError(400, 'bad_request', 'give a preset, or a name and a baseUrl');
    if (this.providers.some((provider) => provider.name === name)) throw new HttpError(409, 'conflict', `a provider named ${name} already exists`);
    const record: ProviderRecord = {
      id: randomUUID(),
      name,
      baseUrl,
      apiKey: parsed.apiKey ?? '',
      api: parsed.api ?? preset?.api ?? 'chat',
      models: parsed.models ?? [...(preset?.models ?? [])],
      aliases: parsed.aliases ?? {},
      createdAt: new Date().toISOString(),
    };
    this.repository.save(record);
    this.reload();
    return view(record);
  }

  /** Changes a provider with a checked patch (provider-schemas.ts). */
  update(id: string, parsed: ProviderPatch): ProviderView {
    const current = this.require(id);
    if (parsed.name && parsed.name !== current.name && this.providers.some((provider) => provider.name === parsed.name)) {
      throw new HttpError(409, 'conflict', `a provider named ${parsed.name} already exists`);
    }
    const next: ProviderRecord = { ...current, ...Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined)) };
    this.repository.save(next);
    this.reload();
    return view(next);
  }

  delete(id: string): void {
    this.require(id);
    this.repository.delete(id);
    this.reload();
  }

  /** Asks the provider for its models: says clearly whether it answers. */
  async test(id: string): Promise<{ ok: boolean; models?: string[]; error?: string; status?: number }> {
    const provider = this.require(id);
    try {
      const page = await this.client(provider).models.list({ timeout: 15_000 });
      return { ok: true, models: page.data.map((model) => model.id).slice(0, 200) };
    } catch (error) {
      const upstream = toUpstreamError(error, endpoint(provider));
      return { ok: false, status: upstream.status, error: upstream.message };
    }
  }

  /** Every model name a request may use (listed models and aliases), with its provider. */
  models(): Array<{ id: string; provider: string }> {
    const seen = new Set<string>();
    const out: Array<{ id: string; provider: string }> = [];
    for (const provider of this.providers) {
      for (const id of [...provider.models, ...Object.keys(provider.aliases)]) {
        if (!seen.has(id)) (seen.add(id), out.push({ id, provider: provider.name }));
      }
    }
    return out;
  }

  /** The provider serving `model`, or null. */
  resolve(model: string): ResolvedModel | null {
    for (const provider of this.providers) {
      if (provider.aliases[model]) return this.resolved(provider, provider.aliases[model]);
      if (provider.models.includes(model)) return this.resolved(provider, model);
    }
    const slash = model.indexOf('/');
    if (slash > 0) {
      const provider = this.providers.find((candidate) => candidate.name === model.slice(0, slash));
      if (provider) return this.resolved(provider, model.slice(slash + 1));
    }
    // One provider and an unlisted model: let the provider decide (Ollama, LM Studio).
    if (this.providers.length === 1 && !this.providers[0].models.length) return this.resolved(this.providers[0], model);
    return null;
  }

  /** Every provider key: never to be shown. */
  secretValues(): string[] {
    return this.providers.map((provider) => provider.apiKey).filter(Boolean);
  }

  private resolved(provider: ProviderRecord, served: string): ResolvedModel {
    return { provider, client: this.client(provider), served };
  }

  private client(provider: ProviderRecord): OpenAI {
    let client = this.clients.get(provider.id);
    if (!client) this.clients.set(provider.id, (client = createClient(endpoint(provider))));
    return client;
  }

  private require(id: string): ProviderRecord {
    const provider = this.providers.find((candidate) => candidate.id === id || candidate.name === id);
    if (!provider) throw new HttpError(404, 'not_found', `no provider ${id}`);
    return provider;
  }

  private reload(): void {
    this.providers = this.repository.list();
    this.clients.clear();
  }
}

/** The parts of a provider the model client needs. */
export function endpoint(provider: ProviderRecord): ProviderEndpoint {
  return { name: provider.name, baseUrl: provider.baseUrl, apiKey: provider.apiKey, api: provider.api };
}

function view(provider: ProviderRecord): ProviderView {
  return {
    id: provider.id,
    name: provider.name,
    baseUrl: provider.baseUrl,
    api: provider.api,
    models: provider.models,
    aliases: provider.aliases,
    hasApiKey: Boolean(provider.apiKey),
    createdAt: provider.createdAt,
  };
}
