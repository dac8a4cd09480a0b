import { describe, expect, it } from 'vitest';
import ApprovalsPage from '../../renderer/src/components/approvals/ApprovalsPage.svelte';
import OverviewPage from '../../renderer/src/components/overview/OverviewPage.svelte';
import ProvidersPage from '../../renderer/src/components/providers/ProvidersPage.svelte';
import SettingsPage from '../../renderer/src/components/settings/SettingsPage.svelte';
import { dashboardOver, FakeApi, Failure, toolView } from './fake-api';
import { button, byLabel, choose, click, expectText, render, settle, text, type, waitUntil } from './render';

describe('Overview page', () => {
  it('shows status, endpoints and client snippets with the chosen key', async () => {
    const api = new FakeApi();
    const dashboard = dashboardOver(api);
    await dashboard.keys.create({ name: 'cursor', servers: null, tools: null, models: null, expiresAt: null });
    const page = render(OverviewPage, { status: dashboard.status, keys: dashboard.keys, providers: dashboard.providers, masterKey: api.masterKey }).target;
    await settle();
    expectText(page, 'Running');
    expectText(page, 'http://127.0.0.1:4000/mcp');
    const code = () => text(page.querySelector('[role="tabpanel"] pre'));
    expect(JSON.parse(code())).toEqual({ mcpServers: { Gatehouse: { url: 'http://127.0.0.1:4000/mcp', headers: { 'x-litellm-api-key': 'Bearer sk-…' } } } });
    choose(byLabel(page, 'Key in the snippets'), 'id-1');
    expect(code()).toContain('Bearer sk-gh-secret1');
    for (const [tab, expected] of [
      ['Claude Code', 'claude mcp add --transport http gatehouse http://127.0.0.1:4000/mcp'],
      ['VS Code', '"type": "http"'],
      ['OpenAI SDK (Python)', 'OpenAI(base_url="http://127.0.0.1:4000/v1", api_key="sk-gh-secret1")'],
      ['OpenAI SDK (Node)', "baseURL: 'http://127.0.0.1:4000/v1'"],
      ['curl', 'curl http://127.0.0.1:4000/v1/responses'],
    ]) {
      click(button(page, tab));
      expect(code()).toContain(expected);
    }
    click(button(page, 'Copy curl snippet'));
    await settle();
    expect(await navigator.clipboard.readText()).toContain('"server_url":"litellm_proxy"');
    // Arrow keys move between the tabs.
    const selectedTab = page.querySelector('[role="tab"][aria-selected="true"]') as HTMLElement;
    selectedTab.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    await settle(1);
    expect(text(page.querySelector('[role="tab"][aria-selected="true"]'))).toBe('Cursor');
  });
});

describe('Providers page', () => {
  it('adds a provider from a preset and shows why a connection test failed', async () => {
    const api = new FakeApi();
    const dashboard = dashboardOver(api);
    const page = render(ProvidersPage, { providers: dashboard.providers }).target;
    await settle();
    expectText(page, 'No providers yet');
    click(button(page, /^ollama/));
    const dialog = document.querySelector('dialog[open]') as HTMLElement;
    expect(byLabel(dialog, 'Base URL').value).toBe('http://127.0.0.1:11434/v1');
    type(byLabel(dialog, 'Models'), 'llama3.1:8b, qwen3');
    click(button(dialog, '+ Add alias'));
    type(byLabel(dialog, 'Asked name 1'), 'gpt-4o');
    type(byLabel(dialog, 'Served model 1'), 'llama3.1:8b');
    click(button(dialog, 'Add provider'));
    await settle();
    expect(api.made('POST', '/api/providers')[0].body).toEqual({
      preset: 'ollama',
      name: 'ollama',
      baseUrl: 'http://127.0.0.1:11434/v1',
      api: 'chat',
      models: ['llama3.1:8b', 'qwen3'],
      aliases: { 'gpt-4o': 'llama3.1:8b' },
    });
    expectText(page, 'gpt-4o → llama3.1:8b');
    click(button(page, 'Test connection'));
    await settle();
    expectText(page, 'Connection failed (502): cannot reach ollama at http://127.0.0.1:11434/v1; is it running?');
  });
});

describe('Approvals page', () => {
  it('lists waiting calls with their arguments and sends the decision', async () => {
    const api = new FakeApi();
    api.tools = [toolView('everything', 'echo', { approval: 'always' })];
    api.approvals = [
      { id: 'a1', tool: 'everything-echo', server: 'everything', key: 'cursor', client: 'cursor-vscode', arguments: { message: 'rm -rf' }, createdAt: new Date().toISOString() },
    ];
    const dashboard = dashboardOver(api);
    const page = render(ApprovalsPage, { approvals: dashboard.approvals, tools: dashboard.tools }).target;
    await settle();
    const card = page.querySelector('article') as HTMLElement;
    expectText(card, 'key cursor');
    expect(JSON.parse(text(card.querySelector('pre')))).toEqual({ message: 'rm -rf' });
    click(button(card, 'Approve everything-echo'));
    await settle();
    expect(api.made('POST', '/api/approvals/a1')[0].body).toEqual({ decision: 'approve' });
    expectText(page, 'Nothing is waiting');
    expectText(page, 'Tools that ask first everything-echo');
  });

  it('shows new calls as they wait, and an error when one was already decided', async () => {
    const api = new FakeApi();
    const dashboard = dashboardOver(api);
    const page = render(ApprovalsPage, { approvals: dashboard.approvals, tools: dashboard.tools }).target;
    await settle();
    expectText(page, 'Set “When a client calls it” to “Ask me first”'.replace('Set', 'set'));
    api.approvals = [{ id: 'a2', tool: 'everything-echo', server: 'everything', key: null, client: null, arguments: {}, createdAt: new Date().toISOString() }];
    await waitUntil(() => expect(page.querySelectorAll('article')).toHaveLength(1), 3000);
    api.override('POST /api/approvals/:id', () => new Failure(404, 'no call waits with that id; it may have been decided, timed out or cancelled', 'not_found'));
    click(button(page, 'Deny everything-echo'));
    await settle();
    expect(api.made('POST', '/api/approvals/a2')[0].body).toEqual({ decision: 'deny' });
    expect(text(page.querySelector('[role="alert"]'))).toBe('everything-echo: no call waits with that id; it may have been decided, timed out or cancelled');
    expect(page.querySelectorAll('article')).toHaveLength(0);
  });
});

describe('Settings page', () => {
  it('saves port, host and retention, and shows API errors', async () => {
    const api = new FakeApi();
    const dashboard = dashboardOver(api);
    const page = render(SettingsPage, { settings: dashboard.settings, status: dashboard.status, desktop: false }).target;
    await waitUntil(() => expect(byLabel(page, 'Port').value).toBe('4000'));
    type(byLabel(page, 'Port'), '4100');
    expectText(page, 'takes effect when Gatehouse restarts');
    type(byLabel(page, 'Keep for (days)'), '7');
    choose(byLabel(page, 'Start Gatehouse when I log in'), true);
    click(button(page, 'Save settings'));
    await settle();
    expect(api.made('PATCH', '/api/settings')[0].body).toEqual({ port: 4100, host: '127.0.0.1', logRetentionCount: 100_000, logRetentionDays: 7, startAtLogin: true });
    expectText(page, 'Saved.');
    api.override('PATCH /api/settings', () => new Failure(400, 'host: must be a host name or an IP address'));
    type(byLabel(page, 'Host'), 'not a host!');
    click(button(page, 'Save settings'));
    await settle();
    expect(text(page.querySelector('[role="alert"]'))).toBe('host: must be a host name or an IP address');
  });
});
