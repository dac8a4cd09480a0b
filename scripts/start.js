#!/usr/bin/env node
'use strict';
// `npm start`: the tray app where Electron can run; anywhere else (no display, no Electron
// binary and no network to fetch it) one line says why and the same gateway runs headless,
// exactly as `npm run serve` does.
//
// better-sqlite3 is a native module whose ABI differs between Node and Electron. We keep one
// build per runtime: node_modules/better-sqlite3 stays the Node build (serve, test), and the
// Electron build lives in build/electron-native/, made on the first tray launch and passed to
// the database with better-sqlite3's `nativeBinding` option. Switching never rebuilds.
const { spawn, spawnSync } = require('node:child_process');
const { cpSync, existsSync, mkdirSync, readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const NATIVE_DIR = join(ROOT, 'build', 'electron-native');
const NATIVE_FILE = join(NATIVE_DIR, 'better_sqlite3.node');
/** An Electron that dies this fast did not start (missing libraries, no display server). */
const EARLY_EXIT_MS = 4000;

function electronBinary() {
  const dir = join(ROOT, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  const find = () => (existsSync(pathFile) ? join(dir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null);
  let binary = find();
  if (binary && existsSync(binary)) return { binary };
  process.stdout.write('Fetching the Electron binary (first launch)…\n');
  const result = spawnSync(process.execPath, [join(dir, 'install.js')], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  binary = find();
  if (result.status === 0 && binary && existsSync(binary)) return { binary };
  const lines = String(result.stderr || '').split('\n').map((line) => line.trim());
  const detail = lines.find((line) => /error|ENOTFOUND|ECONNREFUSED|EAI_AGAIN|getaddrinfo/i.test(line) && !line.startsWith('at ')) || 'download failed';
  return { reason: `the Electron binary is missing and could not be downloaded (${detail.slice(0, 120)})` };
}

function electronNativeModule(binary) {
  if (existsSync(NATIVE_FILE)) return {};
  const version = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  process.stdout.write(`Building better-sqlite3 for Electron ${version} (first launch)…\n`);
  const work = join(NATIVE_DIR, 'work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(join(ROOT, 'node_modules', 'better-sqlite3'), work, { recursive: true, filter: (src) => !src.includes(`${join('better-sqlite3', 'build')}`) });
  const gyp = join(ROOT, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const result = spawnSync(
    process.execPath,
    [gyp, 'rebuild', '--release', `--target=${version}`, '--dist-url=https://electronjs.org/headers', `--arch=${process.arch}`],
    { cwd: work, stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000, env: { ...process.env, npm_config_nodedir: '' } },
  );
  const built = join(work, 'build', 'Release', 'better_sqlite3.node');
  if (result.status === 0 && existsSync(built)) {
    cpSync(built, NATIVE_FILE);
    rmSync(work, { recursive: true, force: true });
    return {};
  }
  return { reason: 'better-sqlite3 could not be built for Electron (its headers need the network)' };
}

function whyNoTray() {
  if (process.env.GATEHOUSE_HEADLESS === '1') return { reason: 'GATEHOUSE_HEADLESS=1' };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { reason: 'no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  const electron = electronBinary();
  if (electron.reason) return electron;
  const native = electronNativeModule(electron.binary);
  return native.reason ? native : { binary: electron.binary };
}

function headless(reason) {
  process.stdout.write(`Gatehouse tray app unavailable: ${reason}; running headless instead.\n`);
  require(join(ROOT, 'dist', 'main', 'cli.js'))
    .main(['serve', ...process.argv.slice(2)])
    .then((code) => process.exit(code));
}

const plan = whyNoTray();
if (plan.reason) {
  headless(plan.reason);
} else {
  const started = Date.now();
  const child = spawn(plan.binary, [ROOT], { stdio: 'inherit' });
  child.on('error', (error) => headless(`Electron did not start (${error.message})`));
  child.on('exit', (code, signal) => {
    if (code !== 0 && Date.now() - started < EARLY_EXIT_MS) return headless(`Electron exited at start (${signal || `code ${code}`})`);
    process.exit(code ?? 0);
  });
}
