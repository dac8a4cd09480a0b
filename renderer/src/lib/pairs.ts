/** One editable name/value pair (env variables, headers, aliases). */
export interface Pair {
  name: string;
  value: string;
}

/** A map as editable rows. */
export function toPairs(map: Record<string, string> | null | undefined): Pair[] {
  return Object.entries(map ?? {}).map(([name, value]) => ({ name, value }));
}

/** Rows back to a map; rows without a name are dropped. */
export function fromPairs(pairs: Pair[]): Record<string, string> {
  return Object.fromEntries(pairs.filter((pair) => pair.name.trim()).map((pair) => [pair.name.trim(), pair.value]));
}

/** A comma- or line-separated list as its items. */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter(Boolean);
}
