/**
 * A reference, not a gateway: the least a gateway written in Node must do to put one stdio MCP
 * server behind Streamable HTTP. It spawns the echo server, initializes it once, and relays each
 * request: node:http in, the JSON-RPC id swapped for its own (sessions share the child), one line
 * to the child's stdin, the answer matched by id and sent back as JSON. No sessions kept, no
 * keys, no log, no catalog, no timeouts. What it measures is the chain client → Node gateway →
 * child on this machine, so its figures bound what Gatehouse's own code could gain.
 * `node relay-server.js PORT COMMAND [ARGS…]`
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';

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
    const entry = waiting.get(message.id);
    if (!entry) continue;
    waiting.delete(message.id);
    message.id = entry.id;
    const body = JSON.stringify(message);
    entry.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'mcp-session-id': entry.session });
    entry.res.end(body);
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

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST') return void res.writeHead(req.method === 'DELETE' ? 200 : 405).end();
    let message;
    try {
      message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return void res.writeHead(400).end();
    }
    const session = (req.headers['mcp-session-id'] as string | undefined) ?? randomUUID();
    if (message.id === undefined) return void res.writeHead(202, { 'mcp-session-id': session }).end();
    if (message.method === 'initialize') {
      const body = JSON.stringify({
        jsonrpc: '2.0',
        id: message.id,
        result: { protocolVersion: message.params?.protocolVersion ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'bench-relay', version: '1.0.0' } },
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'mcp-session-id': session });
      return void res.end(body);
    }
    send(message.method, message.params, res, message.id, session);
  });
}).listen(Number(portText), '127.0.0.1', () => process.stdout.write(`listening on ${portText}\n`));
