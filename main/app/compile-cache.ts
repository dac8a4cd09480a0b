import * as nodeModule from 'node:module';

// Node ≥ 22.1 (and Electron's Node) keeps compiled code between runs, for a faster start and
// servers spawned sooner; older Node has no such call and starts as before. Imported first by
// the entry points so it covers what they load.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
