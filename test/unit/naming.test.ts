import { describe, expect, it } from 'vitest';
import { MAX_TOOL_NAME_LENGTH, gatewayName, isValidServerName, normalizeServerName } from '../../shared/naming';

const SAFE = /^[A-Za-z0-9_-]+$/;

describe('gatewayName', () => {
  it('leaves normal names as <server>-<tool>', () => {
    expect(gatewayName('GitMCP', 'fetch_docs')).toBe('GitMCP-fetch_docs');
    expect(gatewayName('everything', 'echo')).toBe('everything-echo');
    expect(gatewayName('a', 'get-thing')).toBe('a-get-thing');
  });

  it('keeps a name of exactly 64 characters', () => {
    const server = 's'.repeat(32);
    const tool = 't'.repeat(31);
    expect(gatewayName(server, tool)).toBe(`${server}-${tool}`);
    expect(gatewayName(server, tool)).toHaveLength(64);
  });

  it('shortens long names to at most 64 safe characters', () => {
    const name = gatewayName('s'.repeat(32), 'x'.repeat(200));
    expect(name.length).toBeLessThanOrEqual(MAX_TOOL_NAME_LENGTH);
    expect(name).toMatch(SAFE);
    expect(name.startsWith('s'.repeat(32) + '-')).toBe(true);
  });

  it('replaces odd characters and still fits', () => {
    for (const tool of ['read.file', 'get file', 'ツール', 'a/b:c', 'emoji😀tool', 'x'.repeat(63) + '.']) {
      const name = gatewayName('srv', tool);
      expect(name, tool).toMatch(SAFE);
      expect(name.length, tool).toBeLessThanOrEqual(MAX_TOOL_NAME_LENGTH);
      expect(name.startsWith('srv-'), tool).toBe(true);
    }
  });

  it('is deterministic', () => {
    const inputs: Array<[string, string]> = [['srv', 'read.file'], ['s'.repeat(32), 'y'.repeat(100)], ['a', 'b']];
    for (const [server, tool] of inputs) expect(gatewayName(server, tool)).toBe(gatewayName(server, tool));
  });

  it('gives different inputs different names', () => {
    const long = 'z'.repeat(80);
    const names = [
      gatewayName('srv', 'read.file'),
      gatewayName('srv', 'read file'),
      gatewayName('srv', 'read_file'),
      gatewayName('srv', 'read/file'),
      gatewayName('srv', long + 'a'),
      gatewayName('srv', long + 'b'),
      gatewayName('srv2', long + 'a'),
      gatewayName('srv', 'ツール'),
      gatewayName('srv', 'ツーノ'),
    ];
    expect(new Set(names).size).toBe(names.length);
  });

  it('does not turn a shortened name into one a plain tool could have by accident', () => {
    // Two long names sharing the first 64 characters still differ.
    const prefix = 'p'.repeat(70);
    expect(gatewayName('s', prefix + '1')).not.toBe(gatewayName('s', prefix + '2'));
  });
});

describe('server names', () => {
  it('accepts LiteLLM-style names only', () => {
    expect(isValidServerName('brave_search')).toBe(true);
    expect(isValidServerName('GitMCP')).toBe(true);
    expect(isValidServerName('a'.repeat(32))).toBe(true);
    expect(isValidServerName('a'.repeat(33))).toBe(false);
    expect(isValidServerName('brave-search')).toBe(false);
    expect(isValidServerName('')).toBe(false);
    expect(isValidServerName('a b')).toBe(false);
  });

  it('normalizes imported names', () => {
    expect(normalizeServerName('brave-search')).toBe('brave_search');
    expect(normalizeServerName('@scope/server.name')).toBe('_scope_server_name');
    expect(normalizeServerName('  spaced  name ')).toBe('spaced_name');
    expect(normalizeServerName('already_fine')).toBe('already_fine');
    expect(normalizeServerName('x'.repeat(40))).toHaveLength(32);
    expect(normalizeServerName('---')).toBeNull();
    expect(normalizeServerName('')).toBeNull();
  });

  it('always yields a valid server name when it yields one', () => {
    for (const raw of ['brave-search', 'a.b.c', 'ümlaut', 'x'.repeat(50), 'mcp-server-github', '1']) {
      const name = normalizeServerName(raw);
      if (name !== null) expect(isValidServerName(name), raw).toBe(true);
    }
  });
});
