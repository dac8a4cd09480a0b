import { describe, expect, it } from 'vitest';
import ServersPage from '../../renderer/src/components/servers/ServersPage.svelte';
import { dashboardOver, FakeApi, Failure, serverView } from './fake-api';
import { button, byLabel, choose, click, expectText, render, settle, text, type, waitUntil } from './render';


function show(api: FakeApi) {
  const view = render(ServersPage, { servers: dashboardOver(api).servers });
  return view.target;
}

describe('Servers page', () => {
  it('says what to do when there are no servers', async () => {
    const page = show(new FakeApi());
    await settle();
    expectText(page, 'No servers yet');
    expect(button(page, 'Import JSON…')).toBeTruthy();
  });

  it('shows live status, tool count and the last stderr lines of a failing server', async () => {
    const api = new FakeApi();
    api.servers = [
      serverView('everything', { toolCount: 17 }),
      serverView('broken', { status: 'error', error: 'exited with code 1', stderr: ['Error: cannot find module x', 'at boot'] }),
    ];
    const page = show(api);
    await settle();
    const [ready, failing] = page.querySelectorAll('article');
    expectText(ready, 'Ready');
    expectText(ready, '17 tools');
    expectText(failing, 'Error');
    expectText(failing, 'exited with code 1');
    expect(text(failing.querySelector('pre'))).toBe('Error: cannot find module x at boot');
    // Polling picks up the change without a reload.
    api.servers[1] = { ...api.servers[1], status: 'ready', error: null };
    await waitUntil(() => expect(text(page.querySelectorAll('article')[1])).toContain('Ready'), 4000);
  });

  it('adds a stdio server with args and masked env values', async () => {
    const api = new FakeApi();
    const page = show(api);
    await settle();
    click(button(page, 'Add server'));
    const dialog = document.querySelector('dialog[open]') as HTMLElement;
    type(byLabel(dialog, 'Name'), 'everything');
    type(byLabel(dialog, 'Command'), 'npx');
    type(byLabel(dialog, /^Arguments/), '-y\n@modelcontextprotocol/server-everything');
    click(button(dialog, '+ Add variable'));
    type(byLabel(dialog, 'Variable name 1'), 'API_TOKEN');
    const secret = byLabel(dialog, 'Value 1');
    expect(secret.type).toBe('password');
    type(secret, 's3cret');
    click(button(dialog, 'Add server'));
    await settle();
    expect(api.made('POST', '/api/servers')[0].body).toMatchObject({
      name: 'everything',
      transport: 'stdio',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-everything'],
      env: { API_TOKEN: 's3cret' },
    });
    expectText(page, 'Added everything');
    expect(document.querySelector('dialog[open]')).toBeNull();
  });

  it('shows the API error inside the form and keeps what was typed', async () => {
    const api = new FakeApi();
    api.override('POST /api/servers', () => new Failure(400, 'name: must match [A-Za-z0-9_]{1,32}'));
    const page = show(api);
    await settle();
    click(button(page, 'Add server'));
    const dialog = document.querySelector('dialog[open]') as HTMLElement;
    type(byLabel(dialog, 'Name'), 'bad-name');
    choose(dialog.querySelector('input[value="http"]') as HTMLInputElement, true);
    type(byLabel(dialog, 'URL'), 'https://example.com/mcp');
    click(button(dialog, 'Add server'));
    await settle();
    expect(text(dialog.querySelector('[role="alert"]'))).toBe('name: must match [A-Za-z0-9_]{1,32}');
    expect(byLabel(dialog, 'Name').value).toBe('bad-name');
  });

  it('edits a server, sending masked values back unchanged', async () => {
    const api = new FakeApi();
    api.servers = [serverView('remote', { transport: 'http', command: null, args: [], url: 'https://a.example/mcp', headers: { Authorization: '********' } })];
    const page = show(api);
    await settle();
    click(button(page, 'Edit'));
    const dialog = document.querySelector('dialog[open]') as HTMLElement;
    type(byLabel(dialog, 'URL'), 'https://b.example/mcp');
    click(button(dialog, 'Save changes'));
    await settle();
    const patch = api.made('PATCH', '/api/servers/remote')[0].body as Record<string, unknown>;
    expect(patch).toMatchObject({ transport: 'http', url: 'https://b.example/mcp', headers: { Authorization: '********' } });
    expect(patch).not.toHaveProperty('name');
  });

  it('enables, disables and restarts', async () => {
    const api = new FakeApi();
    api.servers = [serverView('everything')];
    const page = show(api);
    await settle();
    choose(byLabel(page, 'Enable everything'), false);
    await settle();
    expect(api.made('PATCH', '/api/servers/everything')[0].body).toEqual({ enabled: false });
    expect(button(page, 'Restart').disabled).toBe(true);
    choose(byLabel(page, 'Enable everything'), true);
    await settle();
    expect(api.made('PATCH', '/api/servers/everything')[1].body).toEqual({ enabled: true });
    click(button(page, 'Restart'));
    await settle();
    expect(api.made('POST', '/api/servers/everything/restart')).toHaveLength(1);
  });

  it('deletes only after confirmation', async () => {
    const api = new FakeApi();
    api.servers = [serverView('everything')];
    const page = show(api);
    await settle();
    click(button(page, 'Delete'));
    let dialog = document.querySelector('dialog[open]') as HTMLElement;
    expectText(dialog, 'Delete everything?');
    click(button(dialog, 'Cancel'));
    expect(api.made('DELETE', '/api/servers')).toHaveLength(0);
    click(button(page, 'Delete'));
    dialog = document.querySelector('dialog[open]') as HTMLElement;
    click(button(dialog, 'Delete server'));
    await settle();
    expect(api.made('DELETE', '/api/servers/everything')).toHaveLength(1);
    expect(page.querySelectorAll('article')).toHaveLength(0);
  });

  it('imports a pasted Cursor JSON after a preview of what it adds', async () => {
    const api = new FakeApi();
    const page = show(api);
    await settle();
    click(button(page, 'Import JSON…'));
    const dialog = document.querySelector('dialog[open]') as HTMLElement;
    const field = byLabel(dialog, 'Claude Desktop, Cursor or VS Code JSON');
    type(field, '{ not json');
    click(button(dialog, 'Preview'));
    expectText(dialog, 'Not valid JSON');
    type(field, JSON.stringify({ mcpServers: { 'brave-search': { command: 'npx', args: ['-y', 'brave'] }, docs: { url: 'https://gitmcp.io/docs' } } }));
    click(button(dialog, 'Preview'));
    await settle();
    expect(api.made('POST', '/api/import?dryRun=true')).toHaveLength(1);
    expectText(dialog, 'Adds 2 servers');
    expectText(dialog, 'brave-search becomes brave_search');
    expect(api.made('POST', '/api/import')).toHaveLength(1);
    click(button(dialog, 'Import 2 servers'));
    await settle();
    expect(api.requests.filter((request) => request.path === '/api/import')).toHaveLength(1);
    expectText(page, 'Imported 2 servers');
  });
});
