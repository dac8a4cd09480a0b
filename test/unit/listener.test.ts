import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Listener } from '../../main/gateway/listener';

const listeners: Listener[] = [];
afterEach(async () => {
  for (const listener of listeners.splice(0)) await listener.close();
});

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Listener (the port, taken before Gatehouse has loaded the rest)', () => {
  it('holds requests that come before the handler is set, then answers them in order', async () => {
    const listener = new Listener();
    listeners.push(listener);
    const { port } = await listener.listen(0, '127.0.0.1');
    const early = [get(port, '/one'), get(port, '/two')];
    await new Promise((resolve) => setTimeout(resolve, 50));
    const seen: string[] = [];
    listener.setHandler((req, res) => {
      seen.push(req.url!);
      res.end(`answered ${req.url}`);
    });
    expect(await Promise.all(early)).toEqual([
      { status: 200, body: 'answered /one' },
      { status: 200, body: 'answered /two' },
    ]);
    expect(await get(port, '/three')).toEqual({ status: 200, body: 'answered /three' });
    expect(seen).toEqual(['/one', '/two', '/three']);
  });

  it('fails at once when the port is taken', async () => {
    const first = new Listener();
    listeners.push(first);
    const { port } = await first.listen(0, '127.0.0.1');
    const second = new Listener();
    listeners.push(second);
    await expect(second.listen(port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('closes with requests still held, without leaving them hanging', async () => {
    const listener = new Listener();
    const { port } = await listener.listen(0, '127.0.0.1');
    const held = get(port, '/never').catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await listener.close();
    expect(await held).toBeInstanceOf(Error);
  });
});
