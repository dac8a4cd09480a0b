import { PROVIDER_PRESETS } from '../../shared/providers';
import { lazyModule } from '../app/lazy-module';
import type { ProviderRegistry } from '../llm/provider-registry';
import type { UsageRepository } from '../store/usage-repository';
import { readJson } from './request-body';
import type { Router } from './router';

/** The provider schemas (zod), loaded with the first provider change rather than at start-up. */
const schemas = lazyModule(
  () => require('../../shared/provider-schemas') as typeof import('../../shared/provider-schemas'),
  () => import('../../shared/provider-schemas.js'),
);

/** Adds the provider and usage routes of the admin API (`/api/providers…`, `/api/usage`). */
export function addProviderRoutes(router: Router, providers: ProviderRegistry, usage: UsageRepository): void {
  router.add('GET', '/api/providers', () => providers.list());
  router.add('GET', '/api/providers/presets', () => PROVIDER_PRESETS);
  router.add('POST', '/api/providers', async (ctx) => {
    const { providerInputSchema } = await schemas();
    const view = providers.create(providerInputSchema.parse(await readJson(ctx.req)));
    ctx.res.statusCode = 201;
    return view;
  });
  router.add('GET', '/api/providers/:id', (ctx) => providers.get(ctx.params.id));
  router.add('PATCH', '/api/providers/:id', async (ctx) => {
    const { providerPatchSchema } = await schemas();
    return providers.update(ctx.params.id, providerPatchSchema.parse(await readJson(ctx.req)));
  });
  router.add('DELETE', '/api/providers/:id', (ctx) => (providers.delete(ctx.params.id), { deleted: ctx.params.id }));
  router.add('POST', '/api/providers/:id/test', (ctx) => providers.test(ctx.params.id));
  router.add('GET', '/api/usage', (ctx) => ({
    byKey: usage.totalsByKey(),
    recent: usage.recent(Math.min(Number(ctx.url.searchParams.get('limit') ?? 50) || 50, 500)),
  }));
}
