import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startProcess, stopProcess } from '../helpers/processes';

/** Repository root. */
const ROOT = resolve(__dirname, '..', '..');
/** Where screenshots go (gitignored). */
export const SHOTS_DIR = join(ROOT, 'test-output', 'e2e');
/** `node server-everything stdio`: the real upstream. */
export const EVERYTHING_ARGS = [join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'];

/** Newest modification time of anything under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * Builds what the test runs: the core (dist/main, when missing) and the dashboard (dist/renderer,
 * when missing or older than its sources), so `vitest run test/e2e` works on a fresh checkout.
 */
export async function buildIfNeeded(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/main/cli.js'))) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
  }
  const index = join(ROOT, 'dist/renderer/index.html');
  const sources = newest(join(ROOT, 'renderer'));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'renderer/vite.config.mts'), logLevel: 'warn' });
}

/** A `gatehouse serve` process on a free port with a fresh data dir. */
export interface RunningGateway {
  url: string;
  masterKey: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the real CLI, as a user would, and waits for its listening line. */
export async function startCli(): Promise<RunningGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  const masterKey = `sk-gatehouse-master-e2e${Date.now()}`;
  const { child, output } = await startProcess(
    process.execPath,
    [join(ROOT, 'bin/gatehouse.js'), 'serve', '--port', '0', '--data-dir', dataDir],
    /Gatehouse listening on (http:\/\/\S+)/,
    { env: { GATEHOUSE_LOGIN_SHELL: '0', GATEHOUSE_MASTER_KEY: masterKey } },
  );
  const url = /Gatehouse listening on (http:\/\/\S+)/.exec(output())![1];
  return {
    url,
    masterKey,
    child,
    async stop() {
      await stopProcess(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless, with a fresh profile; never a downloaded browser. */
export async function launchChromium(colorScheme: 'light' | 'dark' = 'light'): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'gatehouse-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: { width: 1280, height: 860 },
    colorScheme,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot of the page as test-output/e2e/NAME.png. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SHOTS_DIR, `${name}.png`) });
}
