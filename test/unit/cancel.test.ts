import { describe, expect, it } from 'vitest';
import { CallCancel } from '../../main/mcp/cancel';

describe('CallCancel (the cancellation of one /mcp call)', () => {
  it('calls each listener once on the first abort, with the reason kept', () => {
    const cancel = new CallCancel();
    const heard: unknown[] = [];
    const first = () => heard.push(['first', cancel.signal.reason]);
    cancel.signal.addEventListener('abort', first);
    cancel.signal.addEventListener('abort', () => heard.push('second'));
    expect(cancel.signal.aborted).toBe(false);
    const reason = new Error('the client went away');
    cancel.abort(reason);
    cancel.abort(new Error('again'));
    expect(cancel.signal.aborted).toBe(true);
    expect(heard).toEqual([['first', reason], 'second']);
  });

  it('does not call a removed listener, nor one added after the abort', () => {
    const cancel = new CallCancel();
    const heard: string[] = [];
    const removed = () => heard.push('removed');
    cancel.signal.addEventListener('abort', removed);
    cancel.signal.removeEventListener('abort', removed);
    cancel.abort();
    cancel.signal.addEventListener('abort', () => heard.push('late'));
    expect(heard).toEqual([]);
    expect(cancel.signal.reason).toBeInstanceOf(Error);
  });
});
