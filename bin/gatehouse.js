#!/usr/bin/env node
'use strict';
// The `gatehouse` command: runs the compiled CLI (npm run build makes dist/).
// Node ≥ 22.1 keeps compiled code between runs (faster start); older Node has no such call.
require('node:module').enableCompileCache?.();
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const cli = join(__dirname, '..', 'dist', 'main', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('Gatehouse is not built yet: run `npm run build` first.\n');
  process.exit(1);
}
require(cli).main(process.argv.slice(2)).then((code) => process.exit(code));
