/**
 * A reference, not a gateway: the cheapest Streamable HTTP endpoint Node can serve, answering
 * every JSON-RPC request itself (initialize, tools/list, tools/call echo) with no upstream. What
 * it measures is one HTTP hop on this machine, so "floor + this" is what a gateway with zero
 * cost of its own would score. `node http-floor-server.js PORT`
 */
import { reply, serveReference } from './reference-server';

const TOOL = { name: 'echo', description: 'Returns the text it is given', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } };

serveReference(Number(process.argv[2]), 'http-floor', (message, res, session) => {
  const result =
    message.method === 'tools/list'
      ? { tools: [TOOL] }
      : message.method === 'tools/call'
        ? { content: [{ type: 'text', text: String(message.params?.arguments?.text ?? '') }] }
        : {};
  reply(res, session, JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
});
