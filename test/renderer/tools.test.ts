import { describe, expect, it } from 'vitest';
import ToolsPage from '../../renderer/src/components/tools/ToolsPage.svelte';
import { dashboardOver, FakeApi, Failure, serverView, toolView } from './fake-api';
import { button, byLabel, choose, click, expectText, render, settle, text, type } from './render';


const ECHO_SCHEMA = {
  type: 'object',
  properties: {
    message: { type: 'string', description: 'Message to echo' },
    times: { type: 'integer' },
    loud: { type: 'boolean' },
    mode: { type: 'string', enum: ['plain', 'fancy'] },
  },
  required: ['message'],
};

function show(api: FakeApi, selected: string | null = null) {
  const dashboard = dashboardOver(api);
  const chosen: string[] = [];
  const view = render(ToolsPage, { tools: dashboard.tools, servers: dashboard.servers, selected, onselect: (name: string) => chosen.push(name) });
  return { page: view.target, chosen };
}

function catalog(): FakeApi {
  const api = new FakeApi();
  api.servers = [serverView('everything'), serverView('files')];
  api.tools = [
    toolView('everything', 'echo', { description: 'Echoes back the input string', inputSchema: ECHO_SCHEMA }),
    toolView('everything', 'get-sum', { description: 'Returns the sum of two numbers' }),
    toolView('files', 'read_file', { description: 'Reads a file' }),
  ];
  return api;
}

describe('Tools page', () => {
  it('says where tools come from when there are none', async () => {
    const api = new FakeApi();
    api.servers = [serverView('everything', { status: 'starting' })];
    const { page } = show(api);
    await settle();
    expectText(page, 'No tools yet');
    expectText(page, 'everything is not ready yet');
  });

  it('groups tools by server and searches them', async () => {
    const { page } = show(catalog());
    await settle();
    const groups = [...page.querySelectorAll('section.group h2')].map((heading) => text(heading));
    expect(groups).toEqual(['everything 2 tools, 2 on', 'files 1 tool, 1 on']);
    type(byLabel(page, 'Search tools'), 'sum of');
    expect([...page.querySelectorAll('.pick .name')].map((name) => text(name))).toEqual(['get-sum']);
    type(byLabel(page, 'Search tools'), 'nothing like this');
    expectText(page, 'No tool matches');
  });

  it('switches a tool off', async () => {
    const api = catalog();
    const { page } = show(api);
    await settle();
    choose(byLabel(page, 'Enable everything-echo'), false);
    await settle();
    expect(api.made('PATCH', '/api/tools/everything-echo')[0].body).toEqual({ enabled: false });
    expectText(page, 'everything 2 tools, 1 on');
  });

  it('shows the error where a switch failed', async () => {
    const api = catalog();
    api.override('PATCH /api/tools/:name', () => new Failure(404, 'no tool named everything-echo; is its server ready?', 'not_found'));
    const { page } = show(api);
    await settle();
    choose(byLabel(page, 'Enable everything-echo'), false);
    await settle();
    expectText(page, 'no tool named everything-echo; is its server ready?');
  });

  it('shows the description, the schema and a copy button for the gateway name', async () => {
    const { page, chosen } = show(catalog(), 'everything-echo');
    await settle();
    const detail = page.querySelector('.detail-pane') as HTMLElement;
    expectText(detail, 'Echoes back the input string');
    expect(JSON.parse(text(detail.querySelector('pre[aria-label^="Input schema"]')))).toEqual(ECHO_SCHEMA);
    click(button(detail, 'Copy the gateway name everything-echo'));
    await settle();
    expect(await navigator.clipboard.readText()).toBe('everything-echo');
    click(button(page, /^get-sum/));
    expect(chosen).toEqual(['everything-get-sum']);
  });

  it('sets a tool to ask first', async () => {
    const api = catalog();
    const { page } = show(api, 'everything-echo');
    await settle();
    choose(byLabel(page, 'When a client calls it'), 'always');
    await settle();
    expect(api.made('PATCH', '/api/tools/everything-echo')[0].body).toEqual({ approval: 'always' });
    expect(text(page.querySelector('li.selected .badge'))).toBe('Asks');
  });

  it('builds a form from the input schema, checks it, and calls the tool', async () => {
    const api = catalog();
    const { page } = show(api, 'everything-echo');
    await settle();
    const form = page.querySelector('form[aria-label="Try everything-echo"]') as HTMLFormElement;
    expect(byLabel(form, /^mode/).tagName).toBe('SELECT');
    expect(byLabel(form, 'loud').type).toBe('checkbox');
    click(button(form, 'Call echo'));
    expectText(form, 'Required.');
    expect(api.made('POST', '/api/tools/everything-echo/call')).toHaveLength(0);
    type(byLabel(form, /^message/), 'hi');
    type(byLabel(form, /^times/), '2.5');
    click(button(form, 'Call echo'));
    expectText(form, 'Enter a whole number.');
    type(byLabel(form, /^times/), '3');
    choose(byLabel(form, 'loud'), true);
    click(button(form, 'Call echo'));
    await settle();
    expect(api.made('POST', '/api/tools/everything-echo/call')[0].body).toEqual({ arguments: { message: 'hi', times: 3, loud: true } });
    expectText(page.querySelector('section[aria-label="Result"]')!, 'called with {"message":"hi","times":3,"loud":true}');
  });

  it('shows a tool error result and an API error differently', async () => {
    const api = catalog();
    api.override('POST /api/tools/:name/call', () => ({ content: [{ type: 'text', text: 'boom' }], isError: true }));
    const { page } = show(api, 'everything-get-sum');
    await settle();
    click(button(page, 'Call get-sum'));
    await settle();
    const result = page.querySelector('section[aria-label="Result"]')!;
    expect(text(result.querySelector('.badge'))).toBe('Tool error');
    expect(text(result.querySelector('pre'))).toBe('boom');
    api.override('POST /api/tools/:name/call', () => new Failure(409, 'everything-get-sum is switched off; switch it on first', 'conflict'));
    click(button(page, 'Call get-sum'));
    await settle();
    expect(text(page.querySelector('form [role="alert"]'))).toBe('everything-get-sum is switched off; switch it on first');
  });
});
