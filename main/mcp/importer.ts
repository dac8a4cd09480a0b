import { normalizeServerName, isValidServerName } from '../../shared/naming';
import type { ServerConfig } from '../../shared/types';
import { importEntrySchema } from '../../shared/validation';
import { describeZodError, isZodError } from '../../shared/zod-errors';
import { HttpError } from '../gateway/http-error';
import { completeConfig } from './server-config';

/** `type` values of Claude Desktop, Cursor and VS Code entries. */
const KNOWN_TYPES = new Set(['stdio', 'http', 'streamable-http', 'streamablehttp', 'streamable_http', 'sse']);

/** What an import adds, renames and skips (also the dashboard's preview). */
export interface ImportPlan {
  add: ServerConfig[];
  renamed: Array<{ from: string; to: string }>;
  skipped: Array<{ name: string; reason: string }>;
}

/**
 * Reads a Claude Desktop / Cursor `{"mcpServers":{…}}` or VS Code `{"servers":{…}}` document
 * (a bare map of servers too) into servers. Names become valid server names (`brave-search` →
 * `brave_search`); names already taken, and entries that cannot run, are skipped with a reason.
 */
export function planImport(document: unknown, existing: ReadonlySet<string>): ImportPlan {
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw new HttpError(400, 'bad_request', 'expected a JSON object with "mcpServers" (Claude Desktop, Cursor) or "servers" (VS Code)');
  }
  const doc = document as Record<string, unknown>;
  const map = (doc.mcpServers ?? doc.servers ?? (doc.mcp as Record<string, unknown> | undefined)?.servers) as unknown;
  if (!map || typeof map !== 'object' || Array.isArray(map)) {
    throw new HttpError(400, 'bad_request', 'no "mcpServers" or "servers" object found in the document');
  }
  const plan: ImportPlan = { add: [], renamed: [], skipped: [] };
  const taken = new Set(existing);
  for (const [rawName, rawEntry] of Object.entries(map as Record<string, unknown>)) {
    const name = normalizeServerName(rawName);
    if (!name) {
      plan.skipped.push({ name: rawName, reason: 'the name has no letters or digits' });
      continue;
    }
    if (taken.has(name)) {
      plan.skipped.push({ name: rawName, reason: `a server named ${name} already exists` });
      continue;
    }
    const parsed = importEntrySchema.safeParse(rawEntry);
    if (!parsed.success) {
      plan.skipped.push({ name: rawName, reason: describeZodError(parsed.error) });
      continue;
    }
    const entry = parsed.data;
    const url = entry.url ?? entry.serverUrl;
    const type = entry.type?.toLowerCase();
    if (type !== undefined && !KNOWN_TYPES.has(type)) {
      plan.skipped.push({ name: rawName, reason: `unsupported type ${JSON.stringify(entry.type)}; expected stdio, http or sse` });
      continue;
    }
    try {
      const config = completeConfig({
        name,
        transport: type === 'sse' ? 'sse' : type && type !== 'stdio' ? 'http' : url && !entry.command ? undefined : 'stdio',
        command: entry.command,
        args: entry.args ?? [],
        env: Object.fromEntries(Object.entries(entry.env ?? {}).map(([key, value]) => [key, String(value)])),
        cwd: entry.cwd,
        url,
        headers: entry.headers ?? {},
        enabled: entry.disabled !== true,
      });
      if (!isValidServerName(rawName)) plan.renamed.push({ from: rawName, to: name });
      plan.add.push(config);
      taken.add(name);
    } catch (error) {
      const reason = isZodError(error) ? describeZodError(error) : error instanceof Error ? error.message : String(error);
      plan.skipped.push({ name: rawName, reason });
    }
  }
  return plan;
}
