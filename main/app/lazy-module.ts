/** Whether this runs compiled (dist/*.js) rather than from the TypeScript sources (the tests). */
const COMPILED = __filename.endsWith('.js');

/**
 * A module loaded on first use, once. Compiled, `require` loads it (the CommonJS loader reads
 * inside Electron's asar archive and costs less than the ESM loader); from the TypeScript
 * sources `import()` does, since `require` cannot load `.ts`. Each caller passes both loaders,
 * written in its own file, so the paths resolve from there.
 */
export function lazyModule<T>(compiled: () => T, source: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => (loading ??= COMPILED ? Promise.resolve().then(compiled) : source());
}
