import { createHash } from 'node:crypto';

/** Separator between server and tool in gateway names, as in LiteLLM. */
export const NAME_SEPARATOR = '-';
/** Longest tool name most clients (OpenAI, Cursor) accept. */
export const MAX_TOOL_NAME_LENGTH = 64;
/** Server names as LiteLLM allows them. */
export const SERVER_NAME_PATTERN = /^[A-Za-z0-9_]{1,32}$/;

const SAFE_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Gateway name of an upstream tool (or prompt): `<server>-<tool>`. A name that is too long or
 * holds other characters is made safe and given a short hash of the original, so it stays
 * unique and is the same on every run.
 */
export function gatewayName(server: string, tool: string): string {
  const plain = `${server}${NAME_SEPARATOR}${tool}`;
  if (plain.length <= MAX_TOOL_NAME_LENGTH && SAFE_NAME.test(plain)) return plain;
  const hash = createHash('sha256').update(plain).digest('hex').slice(0, 8);
  const safe = plain.replace(/[^A-Za-z0-9_-]/g, '_');
  const room = MAX_TOOL_NAME_LENGTH - hash.length - 1;
  return `${safe.slice(0, room)}_${hash}`;
}

/** Whether a name is already a valid server name. */
export function isValidServerName(name: string): boolean {
  return SERVER_NAME_PATTERN.test(name);
}

/**
 * Turns an imported name such as `brave-search` into a valid server name (`brave_search`).
 * Returns null when nothing usable is left.
 */
export function normalizeServerName(name: string): string | null {
  const cleaned = name.trim().replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_').slice(0, 32);
  return cleaned && /[A-Za-z0-9]/.test(cleaned) ? cleaned : null;
}
