import { z } from 'zod';
import { SERVER_NAME_PATTERN } from './naming';

/** Default per-call tool timeout. */
export const DEFAULT_TOOL_TIMEOUT_MS = 60_000;

const stringMap = z.record(z.string(), z.string());

/** A child's environment: names a process can carry, values without NUL bytes. */
const envMap = z.record(
  z.string().regex(/^[^=\0]+$/, 'environment variable names must be non-empty and hold no "=" or NUL'),
  z.string().refine((value) => !value.includes('\0'), 'environment values must not hold NUL bytes'),
);

/** HTTP headers sent upstream: token names, values without line breaks (no header injection). */
const headerMap = z.record(
  z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'header names must be HTTP tokens (letters, digits, -)'),
  z.string().refine((value) => !/[\r\n\0]/.test(value), 'header values must not hold line breaks or NUL bytes'),
);

/** A host name or IP address to listen on. */
const listenHost = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[?[0-9A-Fa-f:.]+\]?)$/, 'must be a host name or an IP address');

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an http(s) URL');

/** Body of `POST /api/servers`. */
export const serverInputSchema = z
  .object({
    name: z.string().regex(SERVER_NAME_PATTERN, 'must match [A-Za-z0-9_]{1,32}'),
    transport: z.enum(['stdio', 'http', 'sse']).optional(),
    command: z.string().min(1).nullish(),
    args: z.array(z.string()).default([]),
    env: envMap.default({}),
    cwd: z.string().min(1).nullish(),
    url: httpUrl.nullish(),
    headers: headerMap.default({}),
    enabled: z.boolean().default(true),
    toolTimeoutMs: z.number().int().min(100).max(3_600_000).default(DEFAULT_TOOL_TIMEOUT_MS),
  })
  .strict();

/** Body of `PATCH /api/servers/{name}`: every field optional, name fixed. */
export const serverPatchSchema = z
  .object({
    transport: z.enum(['stdio', 'http', 'sse']).optional(),
    command: z.string().min(1).nullish(),
    args: z.array(z.string()).optional(),
    env: envMap.optional(),
    cwd: z.string().min(1).nullish(),
    url: httpUrl.nullish(),
    headers: headerMap.optional(),
    enabled: z.boolean().optional(),
    toolTimeoutMs: z.number().int().min(100).max(3_600_000).optional(),
  })
  .strict();

/** Body of `POST /api/keys`. */
export const keyInputSchema = z
  .object({
    name: z.string().min(1).max(100),
    servers: z.array(z.string()).nullish(),
    tools: z.array(z.string()).nullish(),
    models: z.array(z.string()).nullish(),
    expiresAt: z.iso.datetime({ offset: true }).nullish(),
  })
  .strict();

/** Body of `PATCH /api/keys/{id}`. */
export const keyPatchSchema = keyInputSchema.partial().strict();

/** Body of `PATCH /api/tools/{name}`. */
export const toolPatchSchema = z
  .object({ enabled: z.boolean().optional(), approval: z.enum(['never', 'always']).optional() })
  .strict();

/** Body of `PATCH /api/settings`. */
export const settingsPatchSchema = z
  .object({
    port: z.number().int().min(0).max(65535).optional(),
    host: listenHost.optional(),
    logRetentionCount: z.number().int().min(100).max(10_000_000).optional(),
    logRetentionDays: z.number().int().min(1).max(3650).optional(),
    startAtLogin: z.boolean().optional(),
  })
  .strict();

/** One entry of a Claude Desktop / Cursor `mcpServers` or VS Code `servers` document. */
export const importEntrySchema = z
  .object({
    type: z.string().optional(),
    command: z.string().optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    cwd: z.string().optional(),
    url: z.string().optional(),
    serverUrl: z.string().optional(),
    headers: stringMap.optional(),
    disabled: z.boolean().optional(),
  })
  .loose();

/** Body of `POST /api/approvals/{id}`. */
export const decisionSchema = z.object({ decision: z.enum(['approve', 'deny']) }).strict();

export { describeZodError } from './zod-errors';
