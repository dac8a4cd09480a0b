import { afterEach, describe, expect, it } from 'vitest';
import LogsPage from '../../renderer/src/components/logs/LogsPage.svelte';
import { MAX_LOG_ROWS, mergeNewestFirst } from '../../renderer/src/state/logs.svelte';
import type { Dashboard } from '../../renderer/src/state/dashboard';
import { dashboardOver, FakeApi, logEntry, serverView } from './fake-api';
import { button, byLabel, choose, click, expectText, render, settle, text, waitUntil } from './render';

let dashboard: Dashboard;
afterEach(() => dashboard?.stop());

function show(api: FakeApi) {
  dashboard = dashboardOver(api);
  const view = render(LogsPage, { logs: dashboard.logs, servers: dashboard.servers, tools: dashboard.tools, keys: dashboard.keys });
  return view.target;
}

const rows = (page: HTMLElement) => [...page.querySelectorAll('[role="option"]')];
const toolsShown = (page: HTMLElement) => rows(page).map((row) => text(row.querySelector('.tool')));

describe('Logs page', () => {
  it('says what to do when nothing was called yet', async () => {
    const page = show(new FakeApi());
    await settle();
    expectText(page, 'No tool calls yet');
  });

  it('shows history, then calls as they stream in, newest first, without reloading', async () => {
    const api = new FakeApi();
    api.logs = [logEntry(1, { tool: 'first' })];
    const page = show(api);
    await waitUntil(() => expect(api.openStreams).toBe(1));
    await waitUntil(() => expect(toolsShown(page)).toEqual(['first']));
    expectText(page, 'Live');
    api.emitLog(logEntry(2, { tool: 'second' }));
    api.emitLog(logEntry(3, { tool: 'third', isError: true }));
    await waitUntil(() => expect(toolsShown(page)).toEqual(['third', 'second', 'first']));
    expect(text(rows(page)[0].querySelector('.badge'))).toBe('Error');
    expect(api.made('GET', '/api/logs?')).toHaveLength(1);
  });

  it('pauses without losing calls, and resumes', async () => {
    const api = new FakeApi();
    const page = show(api);
    await waitUntil(() => expect(api.openStreams).toBe(1));
    click(button(page, 'Pause'));
    api.emitLog(logEntry(1, { tool: 'while-paused' }));
    await waitUntil(() => expect(button(page, 'Resume (1 new)')).toBeTruthy());
    expect(rows(page)).toHaveLength(0);
    click(button(page, 'Resume (1 new)'));
    expect(toolsShown(page)).toEqual(['while-paused']);
  });

  it('filters by server and errors, on the server side and for streamed calls', async () => {
    const api = new FakeApi();
    api.servers = [serverView('everything'), serverView('files')];
    api.logs = [logEntry(1, { server: 'files', tool: 'read' }), logEntry(2, { tool: 'echo', isError: true }), logEntry(3, { tool: 'echo' })];
    const page = show(api);
    await waitUntil(() => expect(rows(page)).toHaveLength(3));
    choose(byLabel(page, 'Errors only'), true);
    await settle();
    expect(api.requests.at(-1)?.path).toBe('/api/logs?limit=500&status=error');
    await waitUntil(() => expect(rows(page).map((row) => row.id)).toEqual(['log-2']));
    api.emitLog(logEntry(4, { isError: false }));
    api.emitLog(logEntry(5, { isError: true, tool: 'boom' }));
    await waitUntil(() => expect(rows(page).map((row) => row.id)).toEqual(['log-5', 'log-2']));
    choose(byLabel(page, 'Errors only'), false);
    choose(byLabel(page, 'Server'), 'files');
    await waitUntil(() => expect(rows(page).map((row) => row.id)).toEqual(['log-1']));
    expect(api.requests.at(-1)?.path).toBe('/api/logs?limit=500&server=files');
    click(button(page, 'Clear filters'));
    await waitUntil(() => expect(rows(page)).toHaveLength(5));
  });

  it('opens a call with its arguments and result, by click and by keyboard', async () => {
    const api = new FakeApi();
    api.logs = [logEntry(1), logEntry(2, { tool: 'echo', arguments: { message: 'hello' }, result: { content: [{ type: 'text', text: 'Echo: hello' }] } })];
    const page = show(api);
    await waitUntil(() => expect(rows(page)).toHaveLength(2));
    click(rows(page)[0] as HTMLElement);
    const detail = page.querySelector('aside') as HTMLElement;
    expect(JSON.parse(text(detail.querySelector('section[aria-label="Arguments"] pre')))).toEqual({ message: 'hello' });
    expectText(detail.querySelector('section[aria-label="Result"]')!, 'Echo: hello');
    const list = page.querySelector('[role="listbox"]') as HTMLElement;
    list.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    await settle(1);
    expect(list.getAttribute('aria-activedescendant')).toBe('log-1');
    expect(text(page.querySelector('aside dd.log-id'))).toBe('1');
    list.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await settle(1);
    expect(page.querySelector('aside')).toBeNull();
  });

  it('renders only the rows in view with 10,000 calls, and keeps at most 10,000', async () => {
    const api = new FakeApi();
    const page = show(api);
    await waitUntil(() => expect(api.openStreams).toBe(1));
    const started = performance.now();
    for (let id = 1; id <= MAX_LOG_ROWS + 50; id++) dashboard.logs.receive(logEntry(id));
    await waitUntil(() => expect(dashboard.logs.entries).toHaveLength(MAX_LOG_ROWS));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(dashboard.logs.entries[0].id).toBe(MAX_LOG_ROWS + 50);
    expect(rows(page).length).toBeGreaterThan(0);
    expect(rows(page).length).toBeLessThan(80);
    const spacer = page.querySelector('.spacer') as HTMLElement;
    expect(spacer.style.height).toBe(`${MAX_LOG_ROWS * 34}px`);
    expectText(page, 'the newest 10,000');
  });

  it('keeps the rows in view still when calls arrive while scrolled down', async () => {
    const api = new FakeApi();
    api.logs = Array.from({ length: 100 }, (_, index) => logEntry(index + 1));
    const page = show(api);
    await waitUntil(() => expect(dashboard.logs.entries).toHaveLength(100));
    const viewport = page.querySelector('[role="listbox"]') as HTMLElement;
    viewport.scrollTop = 340;
    viewport.dispatchEvent(new Event('scroll'));
    await settle(1);
    api.emitLog(logEntry(101));
    api.emitLog(logEntry(102));
    await waitUntil(() => expect(viewport.scrollTop).toBe(340 + 2 * 34));
    expectText(page, '2 new calls');
  });
});

describe('mergeNewestFirst', () => {
  it('merges by id, newest first, each id once, capped', () => {
    const merged = mergeNewestFirst([logEntry(5), logEntry(3)], [logEntry(4), logEntry(3), logEntry(1)], 3);
    expect(merged.map((entry) => entry.id)).toEqual([5, 4, 3]);
  });
});
