import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

/** What answers requests once the gateway has loaded. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Requests held while the handler loads, at most (more get 503). */
const MAX_HELD_REQUESTS = 1_000;

/**
 * The listening socket, and nothing more: it loads only `node:http`, so Gatehouse can take its
 * port (and fail at once when the port is in use) before it loads the rest and before any
 * server is spawned. Requests that arrive before the handler is set wait for it.
 */
export class Listener {
  private readonly server: Server;
  private handler: RequestHandler | null = null;
  private held: Array<[IncomingMessage, ServerResponse]> = [];

  constructor() {
    this.server = createServer((req, res) => {
      if (this.handler) return this.handler(req, res);
      if (this.held.length >= MAX_HELD_REQUESTS) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
        return void res.end(JSON.stringify({ error: { message: 'Gatehouse is starting; try again in a moment', code: 'starting' } }));
      }
      this.held.push([req, res]);
    });
    this.server.keepAliveTimeout = 65_000;
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket) => answerClientError(error, socket));
  }

  /** Sets what answers requests, and hands it the ones that waited. */
  setHandler(handler: RequestHandler): void {
    this.handler = handler;
    const held = this.held;
    this.held = [];
    for (const [req, res] of held) if (!res.destroyed) handler(req, res);
  }

  /** Listens and resolves with the real address (for `--port 0`). */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const [, res] of this.held) res.destroy();
      this.held = [];
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** Requests Node's parser refuses (garbage, oversized headers): a short answer, then the socket closes. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const [status, reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'the request took too long']
        : [400, 'Bad Request', 'malformed HTTP request'];
  const body = JSON.stringify({ error: { message, code: status === 431 ? 'payload_too_large' : 'bad_request' } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
