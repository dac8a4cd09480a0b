/** Object keys whose values are always secrets. */
const SECRET_KEY = /^pass$|pass(word|wd|phrase)|secret|token|api[-_]?key|authorization|credential|private[-_]?key|cookie/i;
/** Keys that name secrets only by accident: token counts and limits (`max_tokens`, `token_count`). */
const NOT_SECRET_KEY = /tokens$|token[-_]?(count|limit|usage|type)s?$|tokenizer/i;
/** Secret-looking strings: bearer tokens, OpenAI-style, GitHub, Slack and AWS keys. */
const SECRET_TEXT = /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}|\b(?:sk|gh[pousr]|xox[abprs]|github_pat)[-_][A-Za-z0-9_-]{8,}|\bAKIA[0-9A-Z]{16}\b/gi;
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
      out[key] = isSecretKey(key) && item !== null && typeof item !== 'boolean' ? REDACTED : redact(item, known);
    }
    return out;
  }
  return value;
}

/** Whether values under this object key are secrets. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key);
}

/**
 * Redacts secrets inside one string. Known values go first, longest first, so neither a
 * pattern nor a shorter known value can cut a known secret in half and leave its tail.
 */
export function redactText(text: string, known: ReadonlySet<string> = new Set()): string {
  let out = text;
  if (known.size) {
    for (const secret of longestFirst(known)) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out.replace(SECRET_TEXT, (_match, bearer: string | undefined) => (bearer ? bearer + REDACTED : REDACTED));
}

/** The known secrets worth matching, longest first; sorted once per set, not once per string. */
const sortedSecrets = new WeakMap<ReadonlySet<string>, string[]>();
function longestFirst(known: ReadonlySet<string>): string[] {
  let sorted = sortedSecrets.get(known);
  if (!sorted) {
    sorted = [...known].filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
    sortedSecrets.set(known, sorted);
  }
  return sorted;
}

/**
 * Cuts a payload to at most `maxChars` of JSON. Small values come back as they are; large ones
 * as `{ truncated: true, size, preview }` so the log stays bounded. `json` is what `value`
 * serialises to (measured here anyway, so whoever stores it need not serialise it again).
 */
export function cut(value: unknown, maxChars: number): { value: unknown; json: string } {
  if (value === undefined) return { value: null, json: 'null' };
  const text = JSON.stringify(value);
  if (text === undefined) return { value: null, json: 'null' };
  if (text.length <= maxChars) return { value, json: text };
  const truncated = { truncated: true, size: text.length, preview: text.slice(0, maxChars) };
  return { value: truncated, json: JSON.stringify(truncated) };
}

/** Masks a secret for display: never the value, only that one is set. */
export function maskMap(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(map).map((key) => [key, MASK]));
}

/** What a masked value looks like; sending it back in a PATCH keeps the stored value. */
export const MASK = '********';
