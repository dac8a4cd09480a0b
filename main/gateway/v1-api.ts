import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../shared/types';
import type { ChatService } from '../llm/chat-service';
import { V1Error } from '../llm/llm-errors';
import type { ProviderRegistry } from '../llm/provider-registry';
import type { ResponsesService } from '../llm/responses-service';
import { HttpError } from './http-error';
import { readJson } from './request-body';

/** What the OpenAI-compatible routes use. */
export interface V1Deps {
  responses: ResponsesService;
  chat: ChatService;
  providers: ProviderRegistry;
}

/**
 * The OpenAI-compatible routes. `path` has no `/v1` prefix: the OpenAI SDK with
 * `base_url="http://localhost:4000"` (as in LiteLLM's docs) calls `/responses`, with
 * `…:4000/v1` it calls `/v1/responses`; both land here.
 */
export async function handleV1(deps: V1Deps, req: IncomingMessage, res: ServerResponse, principal: Principal, path: string): Promise<void> {
  const method = req.method ?? 'GET';
  if (path === '/responses' && method === 'POST') return deps.responses.create(req, res, principal, await objectBody(req));
  if (path.startsWith('/responses/') && method === 'GET') return sendJson(res, deps.responses.get(decodeURIComponent(path.slice(11)), principal));
  if (path === '/chat/completions' && method === 'POST') return deps.chat.create(req, res, principal, await objectBody(req));
  if (path === '/models' && method === 'GET') {
    const allowed = principal.kind === 'virtual' ? principal.key.models : null;
    const data = deps.providers
      .models()
      .filter((model) => !allowed || allowed.includes(model.id))
      .map((model) => ({ id: model.id, object: 'model', created: 0, owned_by: model.provider }));
    return sendJson(res, { object: 'list', data });
  }
  throw new V1Error(404, `Unknown route ${method} ${path}`, 'invalid_request_error', 'unknown_url');
}

/** Whether a path belongs to the OpenAI-compatible surface; returns it without `/v1`. */
export function v1Path(path: string): string | null {
  const bare = path.startsWith('/v1/') ? path.slice(3) : path;
  if (bare === '/responses' || bare.startsWith('/responses/') || bare === '/chat/completions' || bare === '/models') return bare;
  return path.startsWith('/v1/') ? bare : null;
}

async function objectBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await readJson(req);
  } catch (error) {
    if (error instanceof HttpError) throw new V1Error(error.status, error.message, 'invalid_request_error', error.code);
    throw error;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new V1Error(400, 'the body must be a JSON object', 'invalid_request_error', null);
  return body as Record<string, unknown>;
}

function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
