import type { z } from 'zod';
import { MASK } from '../../shared/redact';
import type { ServerConfig } from '../../shared/types';
import { DEFAULT_TOOL_TIMEOUT_MS, serverInputSchema, type serverPatchSchema } from '../../shared/validation';
import { HttpError } from '../gateway/http-error';

/** Checks a server as sent, fills defaults, infers the transport and checks the fields it needs. */
export function completeConfig(input: z.input<typeof serverInputSchema>): ServerConfig {
  const parsed = serverInputSchema.parse(stripUndefined({ ...input }));
  const transport = parsed.transport ?? (parsed.url ? (/\/sse\/?$/.test(new URL(parsed.url).pathname) ? 'sse' : 'http') : 'stdio');
  if (transport === 'stdio' && !parsed.command) throw new HttpError(400, 'bad_request', 'a stdio server needs a command');
  if (transport !== 'stdio' && !parsed.url) throw new HttpError(400, 'bad_request', `a ${transport} server needs a url`);
  return {
    name: parsed.name,
    transport,
    command: transport === 'stdio' ? (parsed.command ?? null) : null,
    args: transport === 'stdio' ? parsed.args : [],
    env: transport === 'stdio' ? parsed.env : {},
    cwd: transport === 'stdio' ? (parsed.cwd ?? null) : null,
    url: transport === 'stdio' ? null : (parsed.url ?? null),
    headers: transport === 'stdio' ? {} : parsed.headers,
    enabled: parsed.enabled,
    toolTimeoutMs: parsed.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
  };
}

/** A stored server with a PATCH applied (masked secrets sent back keep their stored values), checked again. */
export function applyPatch(current: ServerConfig, patch: z.input<typeof serverPatchSchema>): ServerConfig {
  return completeConfig({
    ...current,
    ...stripUndefined(patch),
    name: current.name,
    env: patch.env ? unmask(patch.env, current.env) : current.env,
    headers: patch.headers ? unmask(patch.headers, current.headers) : current.headers,
    // Sending only a url (or only a command) switches the transport to match.
    transport: patch.transport ?? (patch.url && !patch.command ? undefined : patch.command && !patch.url ? 'stdio' : current.transport),
  });
}

/** A value sent back masked keeps the stored secret. */
function unmask(next: Record<string, string>, stored: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(next).map(([key, value]) => [key, value === MASK && key in stored ? stored[key] : value]));
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}
