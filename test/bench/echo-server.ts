/**
 * The upstream every benchmark target fronts: a minimal stdio MCP server built with the SDK,
 * with one tool, `echo`, that returns its `text` argument. Nothing else, so what is measured
 * is the path to it, not the server.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'bench-echo', version: '1.0.0' });

server.registerTool('echo', { description: 'Returns the text it is given', inputSchema: { text: z.string() } }, async ({ text }) => ({
  content: [{ type: 'text', text }],
}));

void server.connect(new StdioServerTransport());
