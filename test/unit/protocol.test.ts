import { describe, expect, it } from 'vitest';
import * as sdk from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, LATEST_PROTOCOL_VERSION, McpError, SUPPORTED_PROTOCOL_VERSIONS, isMcpError } from '../../main/mcp/protocol';

describe('protocol values kept out of the SDK at start-up', () => {
  it('match the SDK’s, so an SDK upgrade that changes them fails here instead of drifting', () => {
    expect(LATEST_PROTOCOL_VERSION).toBe(sdk.LATEST_PROTOCOL_VERSION);
    expect([...SUPPORTED_PROTOCOL_VERSIONS]).toEqual([...sdk.SUPPORTED_PROTOCOL_VERSIONS]);
    for (const [name, code] of Object.entries(ErrorCode)) expect(code, name).toBe(sdk.ErrorCode[name as keyof typeof sdk.ErrorCode]);
  });

  it('McpError reads like the SDK’s, and isMcpError accepts both but not other errors', () => {
    const ours = new McpError(-32602, 'Unknown tool: x', { hint: 1 });
    const theirs = new sdk.McpError(-32602, 'Unknown tool: x');
    expect(ours.message).toBe(theirs.message);
    expect(isMcpError(ours)).toBe(true);
    expect(isMcpError(theirs)).toBe(true);
    expect(isMcpError(new Error('plain'))).toBe(false);
    expect(isMcpError(Object.assign(new Error('coded'), { code: 5 }))).toBe(false);
  });
});
