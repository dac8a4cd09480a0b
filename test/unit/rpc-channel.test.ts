import { describe, expect, it, vi } from 'vitest';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode, McpError } from '../../main/mcp/protocol';
import { RpcChannel } from '../../main/mcp/rpc-channel';
import { LineReader } from '../../main/mcp/stdio-transport';

/** The transport side the channel wraps: records what is sent, lets the test play the server. */
class WireEnd implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  readonly sent: any[] = [];
  async start() {}
  async send(message: JSONRPCMessage) {
    this.sent.push(message);
  }
  async close() {
    this.onclose?.();
  }
  /** The server writes `message` back. */
  answer(message: object) {
    this.onmessage?.(message as JSONRPCMessage);
  }
}

function channel(answer: (request: { method: string; params?: any }) => Promise<Record<string, unknown>> = async () => ({ answered: true })) {
  const wire = new WireEnd();
  const requests: any[] = [];
  const notifications: any[] = [];
  const errors: Error[] = [];
  const rpc = new RpcChannel(wire, {
    request: (request) => (requests.push(request), answer(request)),
    notification: (notification) => void notifications.push(notification),
  });
  rpc.onerror = (error) => errors.push(error);
  return { wire, rpc, requests, notifications, errors };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('RpcChannel (the gateway’s MCP client for one upstream server)', () => {
  it('does the handshake: newest version offered, the answer kept, then notifications/initialized', async () => {
    const { wire, rpc } = channel();
    const connected = rpc.connect({ name: 'gatehouse', version: '1.2.3' }, { sampling: {} }, 5_000);
    await tick();
    expect(wire.sent[0]).toMatchObject({ method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { sampling: {} }, clientInfo: { name: 'gatehouse' } } });
    wire.answer({ jsonrpc: '2.0', id: wire.sent[0].id, result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'echo', version: '1' } } });
    await expect(connected).resolves.toMatchObject({ protocolVersion: '2025-06-18', capabilities: { tools: {} } });
    expect(wire.sent[1]).toEqual({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(rpc.handshake?.serverInfo).toEqual({ name: 'echo', version: '1' });
  });

  it('refuses a server that answers with a protocol version Gatehouse does not speak', async () => {
    const { wire, rpc } = channel();
    const connected = rpc.connect({ name: 'gatehouse', version: '1' }, {}, 5_000);
    await tick();
    wire.answer({ jsonrpc: '2.0', id: wire.sent[0].id, result: { protocolVersion: '1999-01-01', capabilities: {} } });
    await expect(connected).rejects.toThrow('protocol version "1999-01-01"');
    expect(wire.sent).toHaveLength(1);
  });

  it('matches answers by id and hands the result over as the server sent it', async () => {
    const { wire, rpc, requests, notifications } = channel();
    const first = rpc.request('tools/call', { name: 'a', arguments: {} });
    const second = rpc.request('tools/call', { name: 'b', arguments: {} });
    const [a, b] = wire.sent;
    expect(a.id).not.toBe(b.id);
    wire.answer({ jsonrpc: '2.0', id: b.id, result: { content: [{ type: 'text', text: 'B' }], extra: 1 } });
    wire.answer({ jsonrpc: '2.0', id: a.id, result: { content: [{ type: 'text', text: 'A' }] } });
    await expect(first).resolves.toEqual({ content: [{ type: 'text', text: 'A' }] });
    await expect(second).resolves.toEqual({ content: [{ type: 'text', text: 'B' }], extra: 1 });
    expect(requests).toEqual([]);
    expect(notifications).toEqual([]);
    expect(rpc.inFlight).toBe(0);
  });

  it('turns an error answer into an McpError with the server’s code, message and data', async () => {
    const { wire, rpc } = channel();
    const call = rpc.request('tools/call', { name: 'missing' });
    wire.answer({ jsonrpc: '2.0', id: wire.sent[0].id, error: { code: -32602, message: 'Unknown tool: missing', data: { hint: 1 } } });
    const error = await call.catch((caught) => caught);
    expect(error).toBeInstanceOf(McpError);
    expect(error.code).toBe(-32602);
    expect(error.message).toContain('Unknown tool: missing');
    expect(error.data).toEqual({ hint: 1 });
  });

  it('answers pings itself, gives other server requests to its handler and sends back result or error', async () => {
    const { wire, requests } = channel(async (request) => {
      if (request.method === 'elicitation/create') throw Object.assign(new Error('the client does not support elicitation/create'), { code: -32601 });
      return { roots: [] };
    });
    wire.answer({ jsonrpc: '2.0', id: 'p1', method: 'ping' });
    wire.answer({ jsonrpc: '2.0', id: 7, method: 'roots/list', params: {} });
    wire.answer({ jsonrpc: '2.0', id: 8, method: 'elicitation/create', params: { message: 'name?' } });
    await tick();
    expect(requests.map((request) => request.method)).toEqual(['roots/list', 'elicitation/create']);
    expect(wire.sent).toEqual([
      { jsonrpc: '2.0', id: 'p1', result: {} },
      { jsonrpc: '2.0', id: 7, result: { roots: [] } },
      { jsonrpc: '2.0', id: 8, error: { code: -32601, message: 'the client does not support elicitation/create' } },
    ]);
  });

  it('gives notifications to its handler, drops progress for no request of its own, and reports stray answers', async () => {
    const { wire, notifications, errors } = channel();
    wire.answer({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    wire.answer({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'hi' } });
    wire.answer({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 999, progress: 1 } });
    wire.answer({ jsonrpc: '2.0', id: 424242, result: {} });
    await tick();
    expect(notifications).toEqual([
      { method: 'notifications/tools/list_changed', params: undefined },
      { method: 'notifications/message', params: { level: 'info', data: 'hi' } },
    ]);
    expect(errors.map((error) => error.message)).toEqual(['the server answered a request Gatehouse did not send (id 424242)']);
  });

  it('sends a progress token only when asked, and routes that progress to the caller before the result', async () => {
    const { wire, rpc, notifications } = channel();
    const seen: any[] = [];
    const call = rpc.request('tools/call', { name: 'slow', _meta: { traceId: 't' } }, { onprogress: (progress) => seen.push(progress) });
    const sent = wire.sent[0];
    expect(sent.params._meta).toEqual({ traceId: 't', progressToken: sent.id });
    wire.answer({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: sent.id, progress: 1, total: 2 } });
    wire.answer({ jsonrpc: '2.0', id: sent.id, result: { content: [] } });
    await call;
    expect(seen).toEqual([{ progress: 1, total: 2 }]);
    expect(notifications).toEqual([]);
    void rpc.request('tools/call', { name: 'plain' });
    expect(wire.sent[1].params).toEqual({ name: 'plain' });
  });

  it('times out with RequestTimeout and tells the server the request is cancelled', async () => {
    vi.useFakeTimers();
    try {
      const { wire, rpc } = channel();
      const call = rpc.request('tools/call', { name: 'never' }, { timeout: 1_000 });
      const caught = call.catch((error) => error);
      await vi.advanceTimersByTimeAsync(1_001);
      const error = await caught;
      expect(error).toBeInstanceOf(McpError);
      expect(error.code).toBe(ErrorCode.RequestTimeout);
      expect(wire.sent[1]).toMatchObject({ method: 'notifications/cancelled', params: { requestId: wire.sent[0].id } });
      // A late answer is not mistaken for anything else.
      wire.answer({ jsonrpc: '2.0', id: wire.sent[0].id, result: {} });
      expect(rpc.inFlight).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('cancels upstream when the caller aborts, with the caller’s reason', async () => {
    const { wire, rpc } = channel();
    const controller = new AbortController();
    const call = rpc.request('tools/call', { name: 'long' }, { signal: controller.signal });
    controller.abort(new Error('the client went away'));
    await expect(call).rejects.toThrow('the client went away');
    expect(wire.sent[1]).toMatchObject({ method: 'notifications/cancelled', params: { requestId: wire.sent[0].id, reason: 'Error: the client went away' } });
    await expect(rpc.request('tools/call', {}, { signal: controller.signal })).rejects.toThrow('the client went away');
    expect(wire.sent).toHaveLength(2);
  });

  it('fails every request in flight with ConnectionClosed when the transport closes, and refuses new ones', async () => {
    const { wire, rpc } = channel();
    let closed = false;
    rpc.onclose = () => (closed = true);
    const calls = [rpc.request('tools/call', { name: 'a' }), rpc.request('tools/call', { name: 'b' })];
    await wire.close();
    for (const call of calls) await expect(call).rejects.toMatchObject({ code: ErrorCode.ConnectionClosed });
    await expect(rpc.request('tools/list', undefined)).rejects.toMatchObject({ code: ErrorCode.ConnectionClosed });
    expect(closed).toBe(true);
  });

  it('rejects at once when the message cannot be sent', async () => {
    const wire = new WireEnd();
    wire.send = async () => {
      throw new Error('the server process is not running');
    };
    const rpc = new RpcChannel(wire);
    await expect(rpc.request('tools/call', {})).rejects.toThrow('the server process is not running');
    expect(rpc.inFlight).toBe(0);
  });
});

describe('LineReader (stdout of a stdio server)', () => {
  it('splits lines across chunks, keeps a multi-byte character cut between chunks whole, and takes \\r\\n', () => {
    const reader = new LineReader();
    const text = Buffer.from('{"a":"héllo"}\r\n{"b":2}\n{"c":', 'utf8');
    const cutInsideE = text.indexOf(0xc3) + 1;
    expect(reader.push(text.subarray(0, cutInsideE))).toEqual([]);
    expect(reader.push(text.subarray(cutInsideE))).toEqual(['{"a":"héllo"}', '{"b":2}']);
    expect(reader.push(Buffer.from('3}\n\n'))).toEqual(['{"c":3}']);
  });

  it('drops a line longer than its limit and says so, then reads on', () => {
    const overflows: number[] = [];
    const reader = new LineReader((bytes) => overflows.push(bytes), 10);
    expect(reader.push(Buffer.from('0123456'))).toEqual([]);
    expect(reader.push(Buffer.from('789abcdef'))).toEqual([]);
    expect(overflows).toEqual([16]);
    expect(reader.push(Buffer.from('tail\n{"ok":1}\n'))).toEqual(['tail', '{"ok":1}']);
  });
});
