/** Object keys whose values are always secrets. */
const SECRET_KEY = /pass(word|phrase)?|secret|token|api[-_]?key|authorization|credential|private[-_]?key|cookie/i;
/** Secret-looking strings: bearer tokens, OpenAI-style and GitHub keys. */
const SECRET_TEXT = /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}|\b(sk|gh[pousr]|xox[abprs])[-_][A-Za-z0-9_-]{8,}/g;
/** Placeholder for anything removed. */
export const REDACTED = '[redacted]';

/**
 * Returns a copy of `value` with secrets replaced: values under secret-looking keys, strings
 * that look like tokens, and every string in `known` (server env and header values).
 */
export function redact(value: unknown, known: ReadonlySet<string> = new Set()): unknown {
  if (typeof value === 'string') return redactText(value, known);
  if (Array.isArray(value)) return value.map((item) => redact(item, known));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) && item !== null && typeof item !== 'boolean' ? REDACTED : redact(item, known);
    }
    return out;
  }
  return value;
}

/** Redacts secrets inside one string. */
export function redactText(text: string, known: ReadonlySet<string> = new Set()): string {
  let out = text.replace(SECRET_TEXT, (match, bearer: string | undefined) => (bearer ? bearer + REDACTED : REDACTED));
  for (const secret of known) if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * Cuts a payload to at most `maxChars` of JSON. Small values come back as they are; large ones
 * as `{ truncated: true, size, preview }` so the log stays bounded.
 */
export function cut(value: unknown, maxChars: number): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  if (text === undefined || text.length <= maxChars) return value;
  return { truncated: true, size: text.length, preview: text.slice(0, maxChars) };
}

/** Masks a secret for display: never the value, only that one is set. */
export function maskMap(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(map).map((key) => [key, MASK]));
}

/** What a masked value looks like; sending it back in a PATCH keeps the stored value. */
export const MASK = '********';
