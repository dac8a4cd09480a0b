/**
 * What the two reference servers (`http-floor-server.ts`, `relay-server.ts`) share, kept as bare
 * as they are: `node:http` on 127.0.0.1, each POST body parsed as one JSON-RPC message, a
 * notification answered 202, `initialize` answered here, every other request handed to
 * `onRequest`, which answers with `reply`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';

export interface ReferenceRequest {
  id: number | string;
  method: string;
  params?: any;
}

/** Sends one JSON-RPC answer (already serialised) on `res`. */
export function reply(res: ServerResponse, session: string, body: string): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'mcp-session-id': session });
  res.end(body);
}

export function serveReference(port: number, name: string, onRequest: (message: ReferenceRequest, res: ServerResponse, session: string) => void): void {
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
      if (message.method !== 'initialize') return onRequest(message, res, session);
      const result = { protocolVersion: message.params?.protocolVersion ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name, version: '1.0.0' } };
      reply(res, session, JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
    });
  }).listen(port, '127.0.0.1', () => process.stdout.write(`listening on ${port}\n`));
}
