import { describe, expect, it } from 'vitest';
import { planImport } from '../../main/mcp/importer';
import { HttpError } from '../../main/gateway/http-error';

const none = new Set<string>();

describe('planImport', () => {
  it('reads a Claude Desktop / Cursor document', () => {
    const plan = planImport(
      {
        mcpServers: {
          'brave-search': { command: 'npx', args: ['-y', '@modelcontextprotocol/server-brave-search'], env: { BRAVE_API_KEY: 'k', RETRIES: 3, DEBUG: true } },
          remote: { url: 'https://example.com/mcp', headers: { Authorization: 'Bearer x' } },
          legacy: { url: 'https://example.com/sse' },
          off: { command: 'node', args: ['x.js'], disabled: true },
        },
      },
      none,
    );
    expect(plan.skipped).toEqual([]);
    expect(plan.renamed).toEqual([{ from: 'brave-search', to: 'brave_search' }]);
    const byName = Object.fromEntries(plan.add.map((config) => [config.name, config]));
    expect(byName.brave_search).toMatchObject({
      transport: 'stdio',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-brave-search'],
      env: { BRAVE_API_KEY: 'k', RETRIES: '3', DEBUG: 'true' },
      enabled: true,
    });
    expect(byName.remote).toMatchObject({ transport: 'http', url: 'https://example.com/mcp', headers: { Authorization: 'Bearer x' }, command: null });
    expect(byName.legacy.transport).toBe('sse');
    expect(byName.off.enabled).toBe(false);
  });

  it('reads a VS Code document (servers, type, nested mcp.servers)', () => {
    const plan = planImport(
      {
        servers: {
          github: { type: 'http', url: 'https://api.githubcopilot.com/mcp/' },
          fs: { type: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'] },
          events: { type: 'sse', url: 'http://localhost:9000/events' },
        },
        inputs: [],
      },
      none,
    );
    expect(plan.add.map((config) => [config.name, config.transport])).toEqual([
      ['github', 'http'],
      ['fs', 'stdio'],
      ['events', 'sse'],
    ]);
    const nested = planImport({ mcp: { servers: { one: { command: 'node' } } } }, none);
    expect(nested.add.map((config) => config.name)).toEqual(['one']);
  });

  it('skips, with a reason, entries that cannot run or whose name is taken', () => {
    const plan = planImport(
      {
        mcpServers: {
          empty: {},
          badurl: { url: 'ftp://example.com' },
          weird: { type: 'websocket', url: 'ws://localhost:1' },
          taken: { command: 'node' },
          '---': { command: 'node' },
          'dup-name': { command: 'a' },
          dup_name: { command: 'b' },
          notobject: 'node server.js',
          badheader: { url: 'https://example.com/mcp', headers: { 'X-A': 'one\r\nInjected: yes' } },
        },
      },
      new Set(['taken']),
    );
    expect(plan.add.map((config) => config.name)).toEqual(['dup_name']);
    const reasons = Object.fromEntries(plan.skipped.map((skip) => [skip.name, skip.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['---', 'badheader', 'badurl', 'dup_name', 'empty', 'notobject', 'taken', 'weird'].sort());
    expect(reasons.empty).toMatch(/needs a command/);
    expect(reasons.badurl).toMatch(/http/);
    expect(reasons.weird).toMatch(/unsupported type/);
    expect(reasons.taken).toMatch(/already exists/);
    expect(reasons['---']).toMatch(/no letters or digits/);
    expect(reasons.badheader).toMatch(/line breaks/);
    for (const reason of Object.values(reasons)) expect(reason.length).toBeGreaterThan(5);
  });

  it('shortens names over 32 characters and reports the rename', () => {
    const long = 'a-very-long-server-name-that-goes-on-and-on';
    const plan = planImport({ mcpServers: { [long]: { command: 'node' } } }, none);
    expect(plan.add[0].name).toHaveLength(32);
    expect(plan.add[0].name).toMatch(/^[A-Za-z0-9_]+$/);
    expect(plan.renamed).toEqual([{ from: long, to: plan.add[0].name }]);
  });

  it('refuses documents without a server map', () => {
    for (const document of [null, [], 'text', {}, { mcpServers: [] }, { servers: 'x' }]) {
      expect(() => planImport(document, none), JSON.stringify(document)).toThrow(HttpError);
    }
    try {
      planImport({}, none);
    } catch (error) {
      expect((error as HttpError).status).toBe(400);
      expect((error as HttpError).message).toMatch(/mcpServers/);
    }
  });

  it('does not change the set of existing names it is given', () => {
    const existing = new Set(['a']);
    planImport({ mcpServers: { b: { command: 'node' } } }, existing);
    expect([...existing]).toEqual(['a']);
  });
});
