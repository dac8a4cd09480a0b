import type { ServerResponse } from 'node:http';
import { MASK } from '../../shared/redact';
import type { LogEntry } from '../../shared/types';
import type { LogBus } from '../logs/log-bus';
import type { Catalog } from '../mcp/catalog';
import type { ServerRegistry } from '../mcp/server-registry';
import type { ToolCaller } from '../mcp/tool-caller';
import type { LogRepository } from '../store/log-repository';
import type { SettingsRepository } from '../store/settings-repository';
import type { ToolSettingRepository } from '../store/tool-setting-repository';
import { HttpError } from './http-error';
import type { KeyService } from './key-service';
import { lazyModule } from '../app/lazy-module';
import { readJson } from './request-body';
import { Router, type RouteContext } from './router';

/** Everything the admin API works with. */
export interface AdminDeps {
  version: string;
  startedAt: number;
  /** How secrets are sealed: `basic_text` means Linux offers only plain text (the dashboard warns). */
  secretStorage: string;
  listenUrl: () => string;
  sessionCount: () => number;
  servers: ServerRegistry;
  catalog: Catalog;
  caller: ToolCaller;
  keys: KeyService;
  toolSettings: ToolSettingRepository;
  logs: LogBus;
  logRepository: LogRepository;
  settings: SettingsRepository;
}

/** The schemas and input helpers, loaded with the first request that writes. */
export const adminInput = lazyModule(
  () => require('./admin-input') as typeof import('./admin-input'),
  () => import('./admin-input.js'),
);
type AdminInput = Awaited<ReturnType<typeof adminInput>>;

/** SSE comment sent to keep idle log streams open through proxies. */
const SSE_KEEPALIVE_MS = 15_000;

/** Builds the `/api/*` routes (CONTRACT.md). Every route here needs the master key. */
export function createAdminRouter(deps: AdminDeps): Router {
  const router = new Router();
  /** The request's JSON body, checked by the schema `pick` chooses. */
  const body = async <T>(ctx: RouteContext, pick: (input: AdminInput) => { parse(value: unknown): T }) => pick(await adminInput()).parse(await readJson(ctx.req));

  router.add('GET', '/api/status', () => {
    const servers = deps.servers.list();
    return {
      version: deps.version,
      url: deps.listenUrl(),
      uptimeMs: Date.now() - deps.startedAt,
      secretStorage: {
        kind: deps.secretStorage,
        warning:
          deps.secretStorage === 'basic_text'
            ? 'This Linux desktop offers no keyring, so server secrets and provider keys are stored in plain text. Install and unlock gnome-keyring or KWallet, then restart Gatehouse.'
            : null,
      },
      counts: {
        servers: servers.length,
        ready: servers.filter((server) => server.status === 'ready').length,
        error: servers.filter((server) => server.status === 'error').length,
        tools: deps.catalog.allTools().filter((tool) => tool.enabled).length,
        sessions: deps.sessionCount(),
        keys: deps.keys.list().length,
      },
    };
  });

  router.add('GET', '/api/servers', () => deps.servers.list());
  router.add('POST', '/api/servers', async (ctx) => {
    const { completeConfig } = await adminInput();
    const view = deps.servers.create(completeConfig(await body(ctx, (input) => input.serverInputSchema)));
    ctx.res.statusCode = 201;
    return view;
  });
  router.add('GET', '/api/servers/:name', (ctx) => deps.servers.get(ctx.params.name));
  router.add('PATCH', '/api/servers/:name', async (ctx) => {
    const { applyPatch } = await adminInput();
    const patch = await body(ctx, (input) => input.serverPatchSchema);
    return deps.servers.update(ctx.params.name, (current) => applyPatch(current, patch));
  });
  router.add('DELETE', '/api/servers/:name', (ctx) => (deps.servers.delete(ctx.params.name), { deleted: ctx.params.name }));
  router.add('POST', '/api/servers/:name/restart', (ctx) => deps.servers.restart(ctx.params.name));

  router.add('POST', '/api/import', async (ctx) => {
    const { planImport } = await adminInput();
    const plan = planImport(await readJson(ctx.req), new Set(deps.servers.list().map((server) => server.name)));
    const dryRun = ctx.url.searchParams.get('dryRun') === 'true' || ctx.url.searchParams.get('dryRun') === '1';
    if (!dryRun && plan.add.length) deps.servers.createMany(plan.add);
    const added = plan.add.map((config) => ({
      ...config,
      env: Object.fromEntries(Object.keys(config.env).map((key) => [key, MASK])),
      headers: Object.fromEntries(Object.keys(config.headers).map((key) => [key, MASK])),
    }));
    return { dryRun, added, renamed: plan.renamed, skipped: plan.skipped };
  });

  router.add('GET', '/api/tools', () => deps.catalog.allTools());
  router.add('PATCH', '/api/tools/:name', async (ctx) => {
    const patch = await body(ctx, (input) => input.toolPatchSchema);
    const entry = requireTool(deps, ctx.params.name);
    deps.toolSettings.save({
      server: entry.server,
      tool: entry.tool.name,
      enabled: patch.enabled ?? entry.enabled,
      approval: patch.approval ?? entry.approval,
    });
    deps.catalog.setToolSettings(deps.toolSettings.list());
    const view = deps.catalog.allTools().find((tool) => tool.name === ctx.params.name);
    // Never answer undefined: that would leave the request hanging.
    if (!view) throw new HttpError(404, 'not_found', `${ctx.params.name} went away while it was being changed`);
    return view;
  });
  router.add('POST', '/api/tools/:name/call', async (ctx) => {
    const input = (await readJson(ctx.req)) as { arguments?: unknown } | null;
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw new HttpError(400, 'bad_request', 'expected a JSON object {"arguments":{…}}');
    if (input.arguments !== undefined && (typeof input.arguments !== 'object' || input.arguments === null || Array.isArray(input.arguments))) {
      throw new HttpError(400, 'bad_request', '"arguments" must be an object');
    }
    const entry = requireTool(deps, ctx.params.name);
    if (!entry.enabled) throw new HttpError(409, 'conflict', `${ctx.params.name} is switched off; switch it on first`);
    return deps.caller.call(entry, input.arguments as Record<string, unknown> | undefined, { surface: 'dashboard', keyName: 'master' });
  });

  router.add('GET', '/api/keys', () => deps.keys.list());
  router.add('POST', '/api/keys', async (ctx) => {
    const input = await body(ctx, (input) => input.keyInputSchema);
    const { key, info } = deps.keys.create({
      name: input.name,
      servers: input.servers ?? null,
      tools: input.tools ?? null,
      models: input.models ?? null,
      expiresAt: input.expiresAt ?? null,
    });
    ctx.res.statusCode = 201;
    return { ...info, key };
  });
  router.add('PATCH', '/api/keys/:id', async (ctx) => {
    const patch = await body(ctx, (input) => input.keyPatchSchema);
    const current = deps.keys.get(ctx.params.id);
    if (!current) throw new HttpError(404, 'not_found', `no key with id ${ctx.params.id}`);
    const next = { ...current };
    for (const field of ['name', 'servers', 'tools', 'models', 'expiresAt'] as const) {
      if (patch[field] !== undefined) (next as Record<string, unknown>)[field] = patch[field];
    }
    deps.keys.update(next);
    return deps.keys.get(ctx.params.id);
  });
  router.add('DELETE', '/api/keys/:id', (ctx) => {
    if (!deps.keys.revoke(ctx.params.id)) throw new HttpError(404, 'not_found', `no key with id ${ctx.params.id}`);
    return { revoked: ctx.params.id };
  });

  router.add('GET', '/api/logs', (ctx) => {
    const query = ctx.url.searchParams;
    const limit = Math.min(Math.max(Number(query.get('limit') ?? 100) || 100, 1), 1000);
    const before = query.get('before');
    const status = query.get('status');
    if (status && status !== 'ok' && status !== 'error') throw new HttpError(400, 'bad_request', 'status must be ok or error');
    if (before && !/^\d+$/.test(before)) throw new HttpError(400, 'bad_request', 'before must be a log entry id');
    deps.logs.flush();
    return deps.logRepository.query({
      limit,
      before: before ? Number(before) : undefined,
      server: query.get('server') ?? undefined,
      tool: query.get('tool') ?? undefined,
      key: query.get('key') ?? undefined,
      status: (status as 'ok' | 'error' | null) ?? undefined,
    });
  });
  router.add('GET', '/api/logs/stream', (ctx) => streamLogs(ctx.res, deps.logs));

  router.add('GET', '/api/settings', () => deps.settings.get());
  router.add('PATCH', '/api/settings', async (ctx) => deps.settings.update(await body(ctx, (input) => input.settingsPatchSchema)));
  return router;
}

function requireTool(deps: AdminDeps, name: string) {
  const entry = deps.catalog.findTool(name);
  if (!entry) throw new HttpError(404, 'not_found', `no tool named ${name}; is its server ready?`);
  return entry;
}

/** Server-sent events: one `log` event per entry as it is written. */
function streamLogs(res: ServerResponse, logs: LogBus): undefined {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(': connected\n\n');
  const unsubscribe = logs.subscribe((entry: LogEntry) => res.write(`event: log\nid: ${entry.id}\ndata: ${JSON.stringify(entry)}\n\n`));
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS).unref();
  res.on('close', () => {
    clearInterval(keepAlive);
    unsubscribe();
  });
  return undefined;
}
