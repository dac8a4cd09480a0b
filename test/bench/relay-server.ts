/**
 * A reference, not a gateway: the least a gateway written in Node must do to put one stdio MCP
 * server behind Streamable HTTP. It spawns the echo server, initializes it once, answers a
 * client's `initialize` itself (reference-server.ts) and relays every other request: node:http
 * in, the JSON-RPC id swapped for its own (sessions share the child), one line to the child's
 * stdin, the answer matched by id and sent back as JSON. No sessions kept, no keys, no log, no
 * catalog, no timeouts. What it measures is the chain client → Node gateway → child on this
 * machine, so its figures bound what Gatehouse's own code could gain.
 * `node relay-server.js PORT COMMAND [ARGS…]`
 */
import { spawn } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { reply, serveReference } from './reference-server';

const [portText, command, ...args] = process.argv.slice(2);
const child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'ignore'] });
child.once('exit', () => process.exit(1));

interface Waiting {
  res: ServerResponse;
  id: number | string;
  session: string;
}
const waiting = new Map<number, Waiting>();
let nextId = 0;
let buffered = '';

child.stdout!.setEncoding('utf8');
child.stdout!.on('data', (chunk: string) => {
  buffered += chunk;
  let end: number;
  while ((end = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    const message = JSON.parse(line);
    if (message.method !== undefined) continue; // the echo server sends no requests or notifications of note
    const entry = waiting.get(message.id);
    if (!entry) continue;
    waiting.delete(message.id);
    message.id = entry.id;
    reply(entry.res, entry.session, JSON.stringify(message));
  }
});

function send(method: string, params: unknown, res: ServerResponse | null, id: number | string, session: string): void {
  const upstream = ++nextId;
  if (res) waiting.set(upstream, { res, id, session });
  child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', id: upstream, method, params })}\n`);
}

const initialize = {
  protocolVersion: '2025-06-18',
  capabilities: {},
  clientInfo: { name: 'bench-relay', version: '1.0.0' },
};
send('initialize', initialize, null, 0, '');
child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);

serveReference(Number(portText), 'bench-relay', (message, res, session) => send(message.method, message.params, res, message.id, session));
