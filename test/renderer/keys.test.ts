import { describe, expect, it } from 'vitest';
import KeysPage from '../../renderer/src/components/keys/KeysPage.svelte';
import { dashboardOver, FakeApi, Failure, serverView, toolView } from './fake-api';
import { button, byLabel, choose, click, expectText, render, settle, text, type } from './render';

function show(api: FakeApi) {
  const dashboard = dashboardOver(api);
  const view = render(KeysPage, { keys: dashboard.keys, servers: dashboard.servers, tools: dashboard.tools, providers: dashboard.providers });
  return { page: view.target, dashboard };
}

describe('Keys page', () => {
  it('says why to make keys when there are none', async () => {
    const { page } = show(new FakeApi());
    await settle();
    expectText(page, 'No virtual keys yet');
  });

  it('creates a limited key and shows it once with a copy button', async () => {
    const api = new FakeApi();
    api.servers = [serverView('everything'), serverView('files')];
    api.tools = [toolView('everything', 'echo'), toolView('files', 'read')];
    const { page, dashboard } = show(api);
    await settle();
    click(button(page, 'Create key'));
    const dialog = document.querySelector('dialog[open]') as HTMLElement;
    click(button(dialog, 'Create key'));
    expectText(dialog, 'Give the key a name');
    type(byLabel(dialog, 'Name'), 'cursor');
    choose(dialog.querySelector('input[value="everything"]') as HTMLInputElement, true);
    choose(dialog.querySelector('input[value="everything-echo"]') as HTMLInputElement, true);
    type(byLabel(dialog, /^Expires/), '2030-12-31');
    click(button(dialog, 'Create key'));
    await settle();
    const body = api.made('POST', '/api/keys')[0].body as Record<string, unknown>;
    expect(body).toMatchObject({ name: 'cursor', servers: ['everything'], tools: ['everything-echo'], models: null });
    expect(new Date(body.expiresAt as string).getFullYear()).toBe(2030);
    expect(document.querySelector('dialog[open]')).toBeNull();

    const notice = page.querySelector('section[aria-labelledby="new-key-title"]') as HTMLElement;
    expect(byLabel(notice, 'The new key').value).toBe('sk-gh-secret1');
    click(button(notice, 'Copy the new key'));
    await settle();
    expect(await navigator.clipboard.readText()).toBe('sk-gh-secret1');
    expect(dashboard.keys.madeHere.map((made) => made.key)).toEqual(['sk-gh-secret1']);
    click(button(notice, 'I have copied it'));
    expect(page.textContent).not.toContain('sk-gh-secret1');

    const row = page.querySelector('tbody tr') as HTMLElement;
    expectText(row, 'cursor');
    expectText(row, 'Servers: everything');
    expectText(row, 'Tools: everything-echo');
    expectText(row, 'never');
  });

  it('shows an API error in the form', async () => {
    const api = new FakeApi();
    api.override('POST /api/keys', () => new Failure(400, 'expiresAt: Invalid ISO datetime'));
    const { page } = show(api);
    await settle();
    click(button(page, 'Create key'));
    const dialog = document.querySelector('dialog[open]') as HTMLElement;
    type(byLabel(dialog, 'Name'), 'x');
    click(button(dialog, 'Create key'));
    await settle();
    expect(text(dialog.querySelector('[role="alert"]'))).toBe('expiresAt: Invalid ISO datetime');
  });

  it('lists last use and revokes after confirmation', async () => {
    const api = new FakeApi();
    const recent = new Date(Date.now() - 5 * 60_000).toISOString();
    api.keys = [{ id: 'k1', name: 'script', servers: null, tools: null, models: ['gpt-5'], expiresAt: null, createdAt: recent, lastUsedAt: recent }];
    const { page } = show(api);
    await settle();
    expectText(page.querySelector('tbody tr')!, '5 minutes ago');
    expectText(page.querySelector('tbody tr')!, 'Models: gpt-5');
    click(button(page, 'Revoke script'));
    const dialog = document.querySelector('dialog[open]') as HTMLElement;
    expectText(dialog, 'Revoke script?');
    click(button(dialog, 'Revoke key'));
    await settle();
    expect(api.made('DELETE', '/api/keys/k1')).toHaveLength(1);
    expectText(page, 'No virtual keys yet');
  });
});
