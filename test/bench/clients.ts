/**
 * Lean MCP clients for the harness, so the client costs as little as possible and what is
 * measured is the target: a Streamable HTTP session over one keep-alive socket, a legacy
 * HTTP+SSE session (what mcp-hub speaks), and the SDK `Client` over stdio (the floor).
 * Every wait is bounded by REQUEST_TIMEOUT_MS.
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { z } from 'zod';

/** No single request of the harness may take longer than this. */
export const REQUEST_TIMEOUT_MS = 30_000;
export const PROTOCOL_VERSION = '2025-06-18';
const CLIENT_INFO = { name: 'gatehouse-bench', version: '1.0.0' };
const PASSTHROUGH = z.looseObject({});

/** One MCP session, whatever the transport. */
export interface BenchSession {
  /** Sends one request and resolves with its `result` (rejects on a JSON-RPC error). */
  request(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Ends the session politely (DELETE / close). */
  close(): Promise<void>;
}

export class RpcFailure extends Error {}

function initializeParams() {
  return { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO };
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Reads a whole response body as text. */
function readText(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** The JSON-RPC message with `id` in a JSON or SSE body. */
export function findReply(body: string, contentType: string, id: number): Record<string, any> | null {
  if (contentType.includes('application/json')) {
    const parsed = JSON.parse(body);
    const list = Array.isArray(parsed) ? parsed : [parsed];
    return list.find((message) => message.id === id) ?? null;
  }
  for (const line of body.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (!data) continue;
    const message = JSON.parse(data);
    if (message.id === id) return message;
  }
  return null;
}

/** A Streamable HTTP session on its own keep-alive socket (or a shared agent). */
export class HttpSession implements BenchSession {
  sessionId: string | null = null;
  private nextId = 0;

  private constructor(
    readonly url: URL,
    private readonly headers: Record<string, string>,
    private readonly agent: Agent,
    private readonly ownsAgent: boolean,
  ) {}

  /** Opens a session: initialize, then notifications/initialized. */
  static async open(url: string, headers: Record<string, string> = {}, agent?: Agent): Promise<HttpSession> {
    const session = new HttpSession(new URL(url), headers, agent ?? new Agent({ keepAlive: true, maxSockets: 1 }), !agent);
    await session.request('initialize', initializeParams());
    await session.notify('notifications/initialized');
    return session;
  }

  /** Headers that every request of this session carries. */
  sessionHeaders(): Record<string, string> {
    return {
      ...this.headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': PROTOCOL_VERSION,
      ...(this.sessionId ? { 'mcp-session-id': this.sessionId } : {}),
    };
  }

  async request(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = ++this.nextId;
    const { status, body, contentType, sessionId } = await this.post(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    if (sessionId && !this.sessionId) this.sessionId = sessionId;
    if (status !== 200) throw new RpcFailure(`${method}: HTTP ${status}: ${body.slice(0, 300)}`);
    const reply = findReply(body, contentType, id);
    if (!reply) throw new RpcFailure(`${method}: no reply with id ${id} in ${body.slice(0, 300)}`);
    if (reply.error) throw new RpcFailure(`${method}: ${JSON.stringify(reply.error)}`);
    return reply.result;
  }

  async notify(method: string): Promise<void> {
    const { status, body } = await this.post(JSON.stringify({ jsonrpc: '2.0', method }));
    if (status !== 202 && status !== 200 && status !== 204) throw new RpcFailure(`${method}: HTTP ${status}: ${body.slice(0, 300)}`);
  }

  async close(): Promise<void> {
    if (this.sessionId) {
      await withTimeout(
        new Promise<void>((resolve) => {
          const req = httpRequest(this.url, { method: 'DELETE', agent: this.agent, headers: this.sessionHeaders() }, (res) => {
            res.resume();
            res.on('end', () => resolve());
          });
          req.on('error', () => resolve());
          req.end();
        }),
        'DELETE',
      ).catch(() => undefined);
    }
    if (this.ownsAgent) this.agent.destroy();
  }

  private post(body: string): Promise<{ status: number; body: string; contentType: string; sessionId?: string }> {
    return withTimeout(
      new Promise((resolve, reject) => {
        const req = httpRequest(
          this.url,
          { method: 'POST', agent: this.agent, headers: { ...this.sessionHeaders(), 'content-length': Buffer.byteLength(body) } },
          (res) => {
            readText(res).then(
              (text) =>
                resolve({
                  status: res.statusCode ?? 0,
                  body: text,
                  contentType: String(res.headers['content-type'] ?? ''),
                  sessionId: res.headers['mcp-session-id'] as string | undefined,
                }),
              reject,
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
      'POST',
    );
  }
}

/**
 * A legacy HTTP+SSE session: a standing GET stream that first names the POST endpoint, then
 * carries every reply.
 */
export class SseSession implements BenchSession {
  private nextId = 0;
  private endpoint: URL | null = null;
  private readonly waiting = new Map<number, { resolve: (message: any) => void; reject: (error: Error) => void }>();
  private stream: IncomingMessage | null = null;
  private streamRequest: ReturnType<typeof httpRequest> | null = null;
  private buffer = '';
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  /** Set by a load generator: replies go to it as raw `data` text instead of being parsed. */
  onReplyData: ((data: string) => void) | null = null;

  private constructor(private readonly url: URL) {}

  /** Where this session's POSTs go (the endpoint the stream named). */
  get postUrl(): URL {
    return this.endpoint!;
  }

  static async open(url: string): Promise<SseSession> {
    const session = new SseSession(new URL(url));
    await session.connect();
    await session.request('initialize', initializeParams());
    await session.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return session;
  }

  async request(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = ++this.nextId;
    const reply = withTimeout(new Promise<any>((resolve, reject) => this.waiting.set(id, { resolve, reject })), method).finally(() =>
      this.waiting.delete(id),
    );
    await this.post({ jsonrpc: '2.0', id, method, params });
    const message = await reply;
    if (message.error) throw new RpcFailure(`${method}: ${JSON.stringify(message.error)}`);
    return message.result;
  }

  /** Drops the stream without a goodbye (what an abandoned SSE client does). */
  async close(): Promise<void> {
    this.streamRequest?.destroy();
    this.stream?.destroy();
    this.agent.destroy();
    for (const waiter of this.waiting.values()) waiter.reject(new Error('session closed'));
  }

  private connect(): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve, reject) => {
        const req = httpRequest(this.url, { method: 'GET', headers: { accept: 'text/event-stream' } }, (res) => {
          if (res.statusCode !== 200) return reject(new Error(`SSE GET: HTTP ${res.statusCode}`));
          this.stream = res;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            this.buffer += chunk;
            let end: number;
            while ((end = this.buffer.indexOf('\n\n')) >= 0) {
              const event = this.buffer.slice(0, end);
              this.buffer = this.buffer.slice(end + 2);
              this.onEvent(event, resolve);
            }
          });
          res.on('error', () => undefined);
        });
        this.streamRequest = req;
        req.on('error', reject);
        req.end();
      }),
      'SSE connect',
    );
  }

  private onEvent(event: string, connected: () => void): void {
    let type = 'message';
    let data = '';
    for (const line of event.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trim();
    }
    if (type === 'endpoint') {
      this.endpoint = new URL(data, this.url);
      connected();
      return;
    }
    if (!data) return;
    if (this.onReplyData) return this.onReplyData(data);
    const message = JSON.parse(data);
    if (typeof message.id === 'number') this.waiting.get(message.id)?.resolve(message);
  }

  private post(message: object): Promise<void> {
    const body = JSON.stringify(message);
    return withTimeout(
      new Promise<void>((resolve, reject) => {
        const req = httpRequest(
          this.endpoint!,
          { method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            readText(res).then((text) => (res.statusCode! < 300 ? resolve() : reject(new RpcFailure(`SSE POST: HTTP ${res.statusCode}: ${text}`))), reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
      'SSE POST',
    );
  }
}

/** The floor: the SDK `Client` talking straight to a stdio child. */
export class StdioSession implements BenchSession {
  private constructor(
    readonly client: Client,
    readonly transport: StdioClientTransport,
  ) {}

  static async open(command: string, args: string[]): Promise<StdioSession> {
    const transport = new StdioClientTransport({ command, args, stderr: 'ignore' });
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    await withTimeout(client.connect(transport), 'stdio connect');
    return new StdioSession(client, transport);
  }

  /** Process id of the child. */
  get pid(): number | null {
    return this.transport.pid;
  }

  request(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.client.request({ method, params } as never, PASSTHROUGH, { timeout: REQUEST_TIMEOUT_MS }) as Promise<Record<string, unknown>>;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
