import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeZodError, isZodError } from '../../shared/zod-errors';
import type { Principal } from '../../shared/types';
import { HttpError } from './http-error';
import { extractKey, type KeyService } from './key-service';
import { type McpEndpoint, sendJsonRpcError } from './mcp-endpoint';
import { checkHostAndOrigin } from './origin-guard';
import type { Router } from './router';
import { serveStatic } from './static-files';
import { V1Error } from '../llm/llm-errors';
import { handleV1, v1Path, type V1Deps } from './v1-api';

/** What the HTTP layer dispatches to. */
export interface GatewayDeps {
  keys: KeyService;
  mcp: McpEndpoint;
  admin: Router;
  uiDir: string;
  log: (message: string) => void;
  /** The OpenAI-compatible surface. */
  v1: V1Deps;
}

type Surface = 'mcp' | 'api' | 'v1' | 'other';

/**
 * What answers every request (the socket itself is the Listener's): DNS-rebinding checks, keys,
 * then `/mcp`, `/api`, `/v1`, `/ui`. Every error becomes a response here, in the shape of the
 * surface it happened on.
 */
export class GatewayServer {
  constructor(
    private readonly deps: GatewayDeps,
    /** The host Gatehouse was told to bind (the DNS-rebinding check accepts it). */
    private readonly boundHost: () => string,
  ) {}

  /** The request listener. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    // Last line of defence: a request must never take the process down.
    this.handle(req, res).catch((error: unknown) => {
      this.deps.log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { error: { message: 'internal error; see the Gatehouse log', code: 'internal_error' } });
      else res.destroy();
    });
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseRequestUrl(req.url);
    const path = url?.pathname ?? '';
    const openAiPath = v1Path(path);
    const surface: Surface = path === '/mcp' || path.startsWith('/mcp/') ? 'mcp' : path.startsWith('/api/') ? 'api' : openAiPath ? 'v1' : 'other';
    try {
      if (!url) throw new HttpError(400, 'bad_request', 'the request target is not a valid URL');
      const refused = countHeader(req.rawHeaders, 'host') > 1 ? 'more than one Host header' : checkHostAndOrigin(req.headers, this.boundHost());
      if (refused) throw new HttpError(403, 'forbidden', `${refused} (DNS-rebinding protection)`);
      if (req.method === 'OPTIONS') return preflight(req, res);
      if (path === '/health') return sendJson(res, 200, { status: 'ok' });
      if (path === '/' ) return redirect(res, '/ui/');
      if (path === '/ui' || path.startsWith('/ui/')) return serveStatic(req, res, this.deps.uiDir, path.slice(3));
      const principal = this.authenticate(req);
      if (surface === 'mcp') return await this.deps.mcp.handle(req, res, principal, path.slice(4));
      if (surface === 'v1') return await handleV1(this.deps.v1, req, res, principal, openAiPath!);
      if (surface === 'api') {
        if (principal.kind !== 'master') throw new HttpError(403, 'forbidden', 'the admin API takes the master key only');
        const match = this.deps.admin.match(req.method ?? 'GET', path);
        if (match === 'method') throw new HttpError(405, 'bad_request', `${req.method} is not supported on ${path}`);
        if (!match) throw new HttpError(404, 'not_found', `no admin route ${path}`);
        const result = await match.handler({ req, res, url, params: match.params, principal });
        if (result !== undefined && !res.headersSent) sendJson(res, res.statusCode || 200, result);
        return;
      }
      throw new HttpError(404, 'not_found', `no route ${path}`);
    } catch (error) {
      this.fail(res, surface, error);
    }
  }

  private authenticate(req: IncomingMessage): Principal {
    const token = extractKey(req.headers);
    if (!token) throw new HttpError(401, 'unauthorized', 'missing key: send Authorization: Bearer KEY or x-litellm-api-key: KEY');
    const principal = this.deps.keys.verify(token);
    if (!principal) throw new HttpError(401, 'unauthorized', 'invalid, expired or revoked key');
    return principal;
  }

  private fail(res: ServerResponse, surface: Surface, error: unknown): void {
    if (error instanceof V1Error) {
      if (res.headersSent) return void res.end();
      return sendJson(res, error.status, { error: { message: error.message, type: error.type, code: error.code, param: error.param } });
    }
    const problem = toHttpError(error);
    if (problem.status >= 500) this.deps.log(`request failed: ${error instanceof Error ? error.stack : String(error)}`);
    if (res.headersSent) return void res.end();
    if (surface === 'mcp') {
      const code = problem.status === 401 || problem.status === 403 ? -32001 : problem.status === 413 ? -32600 : -32000;
      return sendJsonRpcError(res, problem.status, code, problem.message);
    }
    if (problem.status === 401) res.setHeader('www-authenticate', 'Bearer');
    if (surface === 'v1') {
      const type = problem.status === 401 ? 'authentication_error' : problem.status >= 500 ? 'server_error' : 'invalid_request_error';
      return sendJson(res, problem.status, { error: { message: problem.message, type, code: problem.code } });
    }
    sendJson(res, problem.status, { error: { message: problem.message, code: problem.code } });
  }
}

/** Any thrown value as an HttpError; never a stack trace in the answer. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (isZodError(error)) return new HttpError(400, 'bad_request', describeZodError(error));
  // decodeURIComponent on a client's malformed `%` escape: the client's mistake.
  if (error instanceof URIError) return new HttpError(400, 'bad_request', 'the path is not valid URL encoding');
  return new HttpError(500, 'internal_error', 'internal error; see the Gatehouse log');
}

/** The request target as a URL, or null when it is not one (e.g. `GET http://[ HTTP/1.1`). */
function parseRequestUrl(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://gatehouse.local');
  } catch {
    return null;
  }
}

function countHeader(rawHeaders: string[], name: string): number {
  let count = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) if (rawHeaders[index].toLowerCase() === name) count++;
  return count;
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location });
  res.end();
}

/** CORS preflight: only for origins that passed the origin check (same machine). */
function preflight(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (origin) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'origin');
    res.setHeader('access-control-allow-methods', 'GET, POST, PATCH, DELETE, OPTIONS');
    res.setHeader('access-control-allow-headers', 'authorization, content-type, x-litellm-api-key, mcp-session-id, mcp-protocol-version, last-event-id, x-mcp-servers');
    res.setHeader('access-control-expose-headers', 'mcp-session-id');
  }
  res.writeHead(204);
  res.end();
}
