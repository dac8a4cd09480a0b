import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Gatehouse's version, from package.json. */
export const VERSION: string = (() => {
  for (const up of [['..', '..', '..'], ['..', '..']]) {
    try {
      return (JSON.parse(readFileSync(join(__dirname, ...up, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // try the next layout (compiled in dist/ or run from source)
    }
  }
  return '0.0.0';
})();
