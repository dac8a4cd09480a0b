import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../shared/types';
import { HttpError } from './http-error';

/** What a route handler gets. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  principal: Principal;
}

/** A handler answers with a value to send as JSON (status 200), or writes `res` itself and returns undefined. */
export type Handler = (ctx: RouteContext) => unknown;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** A small method + path router; `:name` segments become params. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const pattern = new RegExp(
      '^' + path.replace(/:([A-Za-z]+)/g, (_, key: string) => (keys.push(key), '([^/]+)')) + '/?$',
    );
    this.routes.push({ method, pattern, keys, handler });
    return this;
  }

  /** The handler for a request, `null` for an unknown path, `'method'` for a known path with another method. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | null | 'method' {
    let pathKnown = false;
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      pathKnown = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, index) => (params[key] = decodeParam(found[index + 1])));
      return { handler: route.handler, params };
    }
    return pathKnown ? 'method' : null;
  }
}

/** A `%`-encoded path segment; bad encoding is the client's mistake (400), not a server error. */
function decodeParam(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'bad_request', `the path segment ${JSON.stringify(segment)} is not valid URL encoding`);
  }
}
