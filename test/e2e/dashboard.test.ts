import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { buildIfNeeded, EVERYTHING_ARGS, launchChromium, shot, startCli, type RunningGateway } from './harness';

/** What the browser said that it should not have: script errors and CSP violations. */
const problems: string[] = [];
let gateway: RunningGateway;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const clients: Client[] = [];

async function connect(key: string): Promise<Client> {
  const client = new Client({ name: 'e2e-sdk', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  clients.push(client);
  return client;
}

async function open(hash: string): Promise<void> {
  await page.evaluate((target) => (window.location.hash = target), hash);
  await page.locator('main h1').first().waitFor();
}

beforeAll(async () => {
  await buildIfNeeded();
  gateway = await startCli();
  browser = await launchChromium();
  page = browser.page;
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (/Content.Security.Policy|Uncaught/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gateway.url });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  await browser?.close();
  await gateway?.stop();
});

describe('dashboard in Chromium against gatehouse serve', () => {
  it('signs in with the master key and shows the overview', async () => {
    await page.goto(`${gateway.url}/ui/`);
    await page.getByLabel('Master key').waitFor();
    await shot(page, '01-login');
    await page.getByLabel('Master key').fill(gateway.masterKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('Running').waitFor();
    await page.getByRole('button', { name: 'Copy MCP (every server) URL' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${gateway.url}/mcp`);
    await shot(page, '02-overview');
  });

  it('adds server-everything and sees its tools', async () => {
    await open('#/servers');
    await page.getByText('No servers yet').waitFor();
    await shot(page, '03-servers-empty');
    await page.getByRole('button', { name: 'Add server' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('everything');
    await dialog.getByLabel('Command', { exact: true }).fill(process.execPath);
    await dialog.getByLabel(/^Arguments/).fill(EVERYTHING_ARGS.join('\n'));
    await dialog.getByRole('button', { name: '+ Add variable' }).click();
    await dialog.getByRole('textbox', { name: 'Variable name 1', exact: true }).fill('E2E_SECRET');
    await dialog.getByLabel('Value 1', { exact: true }).fill('hush');
    await shot(page, '04-server-form');
    await dialog.getByRole('button', { name: 'Add server' }).click();
    const card = page.locator('article', { has: page.getByRole('heading', { name: 'everything' }) });
    await card.getByText('Ready').waitFor({ timeout: 20_000 });
    await expect.poll(async () => card.locator('.tools').textContent()).toMatch(/^\d{2} tools$/);
    await shot(page, '05-servers');

    await open('#/tools');
    await page.getByRole('button', { name: /^echo/ }).click();
    await page.getByRole('heading', { name: 'everything-echo' }).waitFor();
    await page.getByLabel(/^message/).fill('hello from the dashboard');
    await page.getByRole('button', { name: 'Call echo' }).click();
    await page.getByLabel('Result').getByText('Echo: hello from the dashboard').waitFor();
    await shot(page, '06-tools-try-it');
  });

  it('switches a tool off and it vanishes from /mcp', async () => {
    const client = await connect(gateway.masterKey);
    const names = async () => (await client.listTools()).tools.map((tool) => tool.name);
    expect(await names()).toContain('everything-echo');
    await page.getByRole('switch', { name: 'Enable everything-echo' }).first().click();
    await page.getByText('Off: hidden from every client').waitFor();
    await expect.poll(names, { timeout: 5000 }).not.toContain('everything-echo');
    expect(await names()).toContain('everything-get-sum');
    await shot(page, '07-tools-switched-off');
  });

  it('creates a key, uses it from the SDK client, and the call shows up live in Logs', async () => {
    await open('#/keys');
    await page.getByText('No virtual keys yet').waitFor();
    await page.getByRole('button', { name: 'Create key' }).first().click();
    await page.getByRole('dialog').getByLabel('Name').fill('e2e-sdk');
    await shot(page, '08-key-form');
    await page.getByRole('dialog').getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByRole('textbox', { name: 'The new key' }).inputValue();
    expect(key).toMatch(/^sk-/);
    await shot(page, '09-key-created');

    await open('#/logs');
    await page.getByText('Live', { exact: true }).waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const sdk = await connect(key);
    const result = await sdk.callTool({ name: 'everything-get-sum', arguments: { a: 2, b: 3 } });
    expect(JSON.stringify(result.content)).toContain('5');
    const row = page.getByRole('option').filter({ hasText: 'get-sum' }).filter({ hasText: 'e2e-sdk' });
    await row.waitFor({ timeout: 5000 });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await shot(page, '10-logs-live');
    // The keyboard picks a call too: focus the list, arrow down to the newest one.
    await page.getByRole('listbox').focus();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('complementary').getByText('"a": 2').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('complementary').waitFor({ state: 'detached' });
    await row.click();
    await page.getByRole('complementary').getByText('"a": 2').waitFor();
    await shot(page, '11-logs-detail');

    await open('#/keys');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await expect.poll(async () => page.locator('tbody tr').first().textContent(), { timeout: 15_000 }).not.toContain('never');
  });

  it('imports a Cursor JSON with a preview', async () => {
    await open('#/servers');
    await page.getByRole('button', { name: 'Import JSON…' }).first().click();
    const dialog = page.getByRole('dialog');
    const cursor = { mcpServers: { 'cursor-everything': { command: process.execPath, args: EVERYTHING_ARGS } } };
    await dialog.getByLabel('Claude Desktop, Cursor or VS Code JSON').fill(JSON.stringify(cursor, null, 2));
    await dialog.getByRole('button', { name: 'Preview' }).click();
    await dialog.getByText('cursor-everything becomes cursor_everything').waitFor();
    await shot(page, '12-import-preview');
    await dialog.getByRole('button', { name: 'Import 1 server' }).click();
    await page.getByText('Imported 1 server').waitFor();
    const card = page.locator('article', { has: page.getByRole('heading', { name: 'cursor_everything' }) });
    await card.getByText('Ready').waitFor({ timeout: 20_000 });
    await shot(page, '13-servers-imported');
  });

  it('shows why a server fails, with its stderr, and deletes it after confirmation', async () => {
    const crash = "console.error('Error: API_TOKEN is not set'); process.exit(3)";
    const created = await fetch(`${gateway.url}/api/servers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'broken', command: process.execPath, args: ['-e', crash] }),
    });
    expect(created.status).toBe(201);
    await open('#/servers');
    const card = page.locator('article', { has: page.getByRole('heading', { name: 'broken' }) });
    await card.getByLabel('Last stderr lines of broken').getByText('API_TOKEN is not set').waitFor({ timeout: 15_000 });
    await shot(page, '14-server-failing');
    await card.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByText('Delete broken?').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete server' }).click();
    await card.waitFor({ state: 'detached' });
  });

  it('holds a call to a tool set to ask until it is approved', async () => {
    await open('#/tools/everything-get-sum');
    await page.getByLabel('When a client calls it').selectOption('always');
    await page.locator('li.selected').getByText('Asks').waitFor();
    const client = await connect(gateway.masterKey);
    const call = client.callTool({ name: 'everything-get-sum', arguments: { a: 20, b: 22 } });
    await open('#/approvals');
    const card = page.locator('article', { hasText: 'everything-get-sum' });
    await card.waitFor({ timeout: 10_000 });
    await page.locator('nav').getByText('1', { exact: true }).waitFor();
    await shot(page, '15-approvals');
    await card.getByRole('button', { name: 'Approve everything-get-sum' }).click();
    expect(JSON.stringify((await call).content)).toContain('42');
    await page.getByText('Nothing is waiting').waitFor();
  });

  it('shows providers, settings and every page in dark mode', async () => {
    await open('#/providers');
    await page.getByRole('button', { name: /^ollama/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Add provider' }).click();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(/Connected:|Connection failed/).waitFor({ timeout: 20_000 });
    await shot(page, '16-providers');
    await open('#/settings');
    await page.getByLabel('Port').waitFor();
    await shot(page, '17-settings');

    await page.emulateMedia({ colorScheme: 'dark' });
    for (const name of ['overview', 'servers', 'tools/everything-get-sum', 'keys', 'providers', 'logs', 'approvals', 'settings']) {
      await open(`#/${name}`);
      await page.getByText(/^Loading/).first().waitFor({ state: 'hidden' });
      await shot(page, `dark-${name.replace('/', '-')}`);
    }
    // The tray window's smallest size.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 760, height: 540 });
    for (const name of ['servers', 'logs']) {
      await open(`#/${name}`);
      await shot(page, `narrow-${name}`);
    }
    expect(problems).toEqual([]);
  });
});
