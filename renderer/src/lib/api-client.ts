import { parseSseChunk, type SseEvent } from './sse';

/** Where the admin API is and the key it takes. */
export interface Credentials {
  baseUrl: string;
  key: string;
}

/** An admin API failure, rebuilt from `{"error":{"message","code"}}` so the UI shows the real message. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The message to show for anything thrown by an action. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

type Fetch = typeof fetch;

/** The dashboard's only way out: the admin API, with the master key on every request. */
export class ApiClient {
  constructor(
    private readonly credentials: () => Credentials,
    private readonly fetchFn: Fetch = (input, init) => fetch(input, init),
    /** Called when the key is refused, so the session can ask for it again. */
    private readonly onUnauthorized: (message: string) => void = () => {},
  ) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /** One JSON request; throws ApiError with the server's message when it fails. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) throw this.failure(response.status, parsed, text);
    return parsed as T;
  }

  /**
   * Reads a server-sent event stream with fetch (EventSource cannot send the key) and calls
   * `onEvent` for each event until `signal` aborts or the server ends the stream.
   */
  async stream(path: string, onEvent: (event: SseEvent) => void, signal: AbortSignal, onOpen: () => void = () => {}): Promise<void> {
    const response = await this.send(path, { headers: { accept: 'text/event-stream' }, signal });
    if (!response.ok || !response.body) {
      const text = await response.text();
      throw this.failure(response.status, parseJson(text), text);
    }
    onOpen();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const { events, rest } = parseSseChunk(buffer + value);
        buffer = rest;
        for (const event of events) onEvent(event);
      }
    } finally {
      reader.releaseLock();
    }
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    const { baseUrl, key } = this.credentials();
    try {
      return await this.fetchFn(baseUrl.replace(/\/$/, '') + path, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${key}` },
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ApiError(`Cannot reach Gatehouse${baseUrl ? ` at ${baseUrl}` : ''}: is it running?`, 'network_error', 0);
    }
  }

  private failure(status: number, parsed: unknown, text: string): ApiError {
    const error = (parsed as { error?: { message?: unknown; code?: unknown } } | null)?.error;
    const message = typeof error?.message === 'string' ? error.message : text.trim().slice(0, 200) || `HTTP ${status}`;
    const failure = new ApiError(message, typeof error?.code === 'string' ? error.code : `http_${status}`, status);
    if (status === 401) this.onUnauthorized(message);
    return failure;
  }
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
