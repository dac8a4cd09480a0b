import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error';

/** Largest request body any route accepts. */
export const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/** Reads the whole body, refusing more than `limit` bytes with 413 before buffering it. */
export function readBody(req: IncomingMessage, limit = BODY_LIMIT_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new HttpError(413, 'payload_too_large', `request body is over ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, 'payload_too_large', `request body is over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    // A client that goes away mid-body is not a server error.
    req.on('error', () => reject(new HttpError(400, 'bad_request', 'the request body was cut off')));
  });
}

/** Reads and parses a JSON body; an empty body is `{}`. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  if (!body.length) return {};
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'bad_request', 'request body is not valid JSON');
  }
}
