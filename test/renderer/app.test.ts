import { describe, expect, it } from 'vitest';
import App from '../../renderer/src/App.svelte';
import { Router } from '../../renderer/src/lib/router.svelte';
import { Session } from '../../renderer/src/lib/session.svelte';
import { FakeApi } from './fake-api';
import { button, byLabel, click, expectText, render, settle, text, type, waitUntil } from './render';

function memoryStorage() {
  const items = new Map<string, string>();
  return { items, getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value), removeItem: (key: string) => void items.delete(key) };
}

describe('signing in', () => {
  it('asks a browser tab for the master key, refuses a wrong one, and keeps a right one for the tab', async () => {
    const api = new FakeApi();
    const storage = memoryStorage();
    const session = new Session(storage, undefined, api.fetch);
    const page = render(App, { session, router: new Router(window) }).target;
    const input = byLabel(page, 'Master key');
    expect(input.type).toBe('password');
    click(button(page, 'Sign in'));
    expectText(page, 'Enter the master key');
    type(input, 'sk-gh-virtual');
    click(button(page, 'Sign in'));
    await settle();
    expect(text(page.querySelector('[role="alert"]'))).toContain('That key was not accepted');
    expect(storage.items.size).toBe(0);
    type(byLabel(page, 'Master key'), api.masterKey);
    click(button(page, 'Sign in'));
    await waitUntil(() => expect(page.querySelector('nav[aria-label="Dashboard"]')).not.toBeNull());
    expect(storage.items.get('gatehouse.masterKey')).toBe(api.masterKey);
    click(button(page, 'Sign out'));
    expect(storage.items.size).toBe(0);
    expect(byLabel(page, 'Master key')).toBeTruthy();
  });

  it('goes back to the prompt when the API stops taking the key', async () => {
    const api = new FakeApi();
    const storage = memoryStorage();
    storage.setItem('gatehouse.masterKey', 'sk-gatehouse-master-old');
    const session = new Session(storage, undefined, api.fetch);
    const page = render(App, { session, router: new Router(window) }).target;
    await waitUntil(() => expect(text(page)).toContain('Signed out: invalid, expired or revoked key'));
    expect(storage.items.size).toBe(0);
  });

  it('uses the key the tray window hands over, without a prompt or a sign-out button', async () => {
    const api = new FakeApi();
    const bridge = Object.freeze({ baseUrl: 'http://127.0.0.1:4000', key: api.masterKey, secretStorage: 'keychain' });
    const session = new Session(memoryStorage(), bridge, api.fetch);
    window.location.hash = '#/approvals';
    const page = render(App, { session, router: new Router(window) }).target;
    await settle();
    expect(page.querySelector('#master-key')).toBeNull();
    expect(page.querySelector('a[aria-current="page"]')?.textContent).toContain('Approvals');
    expect([...page.querySelectorAll('button')].some((candidate) => text(candidate) === 'Sign out')).toBe(false);
    expect(api.requests[0].path).toBe('/api/approvals');
    window.location.hash = '';
  });
});
