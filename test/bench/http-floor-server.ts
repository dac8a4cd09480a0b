/**
 * A reference, not a gateway: the cheapest Streamable HTTP endpoint Node can serve, answering
 * every JSON-RPC request itself (initialize, tools/list, tools/call echo) with no upstream. What
 * it measures is one HTTP hop on this machine, so "floor + this" is what a gateway with zero
 * cost of its own would score. `node http-floor-server.js PORT`
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const TOOL = { name: 'echo', description: 'Returns the text it is given', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } };

function answer(message: { id?: number | string; method?: string; params?: any }): object {
  switch (message.method) {
    case 'initialize':
      return { protocolVersion: message.params?.protocolVersion ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'http-floor', version: '1.0.0' } };
    case 'tools/list':
      return { tools: [TOOL] };
    case 'tools/call':
      return { content: [{ type: 'text', text: String(message.params?.arguments?.text ?? '') }] };
    default:
      return {};
  }
}

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
    const body = JSON.stringify({ jsonrpc: '2.0', id: message.id, result: answer(message) });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'mcp-session-id': session });
    res.end(body);
  });
}).listen(port, '127.0.0.1', () => process.stdout.write(`listening on ${port}\n`));
