import { describe, expect, it } from 'vitest';
import { parseSseChunk } from '../../renderer/src/lib/sse';

describe('parseSseChunk', () => {
  it('splits complete events and keeps the unfinished rest', () => {
    const { events, rest } = parseSseChunk(': connected\n\nevent: log\nid: 1\ndata: {"id":1}\n\nevent: log\ndata: {"id"');
    expect(events).toEqual([{ event: 'log', id: '1', data: '{"id":1}' }]);
    expect(rest).toBe('event: log\ndata: {"id"');
  });

  it('joins multi-line data and drops comments', () => {
    const { events } = parseSseChunk(': keep-alive\n\ndata: a\ndata: b\n\n');
    expect(events).toEqual([{ event: 'message', id: null, data: 'a\nb' }]);
  });

  it('reads CRLF line endings', () => {
    const { events, rest } = parseSseChunk('event: log\r\ndata: x\r\n\r\n');
    expect(events).toEqual([{ event: 'log', id: null, data: 'x' }]);
    expect(rest).toBe('');
  });
});
