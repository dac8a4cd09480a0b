/**
 * Load generators, bounded by a duration or a request count and by a hard time limit.
 * - raw (the default): for Streamable HTTP and legacy SSE targets, one keep-alive socket per
 *   session, each request written as bytes with a fresh JSON-RPC id, each reply read only far
 *   enough to find its end and whether it holds a result (SSE: the reply on the session's
 *   stream). ~20 µs of harness CPU per call for HTTP targets, so on two cores it takes little
 *   from the target it drives.
 * - autocannon (`GATEHOUSE_BENCH_GENERATOR=autocannon`): what earlier runs used, ~45 µs per call;
 *   legacy SSE targets then get the closed loop below.
 * - closed loop of lean clients: the floor (stdio, in the harness), and SSE under autocannon.
 */
import autocannon from 'autocannon';
import { connect, type Socket } from 'node:net';
import { type BenchSession, HttpSession, SseSession } from './clients';
import type { Running } from './targets';

export interface LoadResult {
  generator: 'autocannon' | 'raw' | 'closed-loop';
  sessions: number;
  ok: number;
  errors: number;
  seconds: number;
  rps: number;
  firstError?: string;
  /**
   * CPU per answered call during the load, µs: the harness (load generator), the target's own
   * process, and the target with its children (the floor runs in the harness: null).
   */
  cpu?: { harnessUsPerCall: number; targetUsPerCall: number | null; treeUsPerCall: number | null };
}

export interface LoadOptions {
  /** Run for this long... */
  durationS?: number;
  /** ...or until this many calls are answered. */
  amount?: number;
  /** Never longer than this. */
  maxSeconds?: number;
  /** Called every `sampleMs` while the load runs (memory sampling). */
  onSample?: () => void;
  sampleMs?: number;
}

/** Runs echo calls through `sessions` open sessions of `running`. */
export async function runLoad(running: Running, sessions: BenchSession[], options: LoadOptions): Promise<LoadResult> {
  const sampler = options.onSample ? setInterval(options.onSample, options.sampleMs ?? 100) : null;
  try {
    const httpSessions = sessions.filter((session): session is HttpSession => session instanceof HttpSession);
    const raw = process.env.GATEHOUSE_BENCH_GENERATOR !== 'autocannon';
    const sseSessions = sessions.filter((session): session is SseSession => session instanceof SseSession);
    if (raw && sseSessions.length === sessions.length) return await rawLoad(running, sseSessions, options);
    if (httpSessions.length !== sessions.length) return await closedLoop(running, sessions, options);
    return raw ? await rawLoad(running, httpSessions, options) : await autocannonLoad(running, httpSessions, options);
  } finally {
    if (sampler) clearInterval(sampler);
  }
}

async function autocannonLoad(running: Running, sessions: HttpSession[], options: LoadOptions): Promise<LoadResult> {
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  let nextId = 1_000_000;
  let lastReply = 0;
  const params = running.callParams('hello');
  const perSession = options.amount ? Math.ceil(options.amount / sessions.length) : undefined;
  const maxMs = (options.maxSeconds ?? (options.durationS ?? 60) + 30) * 1000;
  const started = performance.now();
  // One autocannon instance per session: autocannon cannot give each connection its own header.
  await Promise.all(
    sessions.map(
      (session) =>
        new Promise<void>((resolve, reject) => {
          const instance = autocannon(
            {
              url: session.url.href,
              connections: 1,
              pipelining: 1,
              ...(perSession ? { amount: perSession } : { duration: options.durationS ?? 1 }),
              timeout: 30,
              requests: [
                {
                  method: 'POST',
                  headers: session.sessionHeaders(),
                  setupRequest: (request: any) => {
                    request.body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params });
                    return request;
                  },
                  onResponse: (status: number, body: string) => {
                    lastReply = performance.now();
                    if (status === 200 && body.includes('"result"') && !body.includes('"isError":true')) ok++;
                    else {
                      errors++;
                      firstError ??= `HTTP ${status}: ${body.slice(0, 200)}`;
                    }
                  },
                },
              ],
            } as any,
            (error: Error | null) => {
              clearTimeout(guard);
              if (error) reject(error);
              else resolve();
            },
          );
          const guard = setTimeout(() => (instance as any).stop(), maxMs);
        }),
    ),
  );
  // autocannon notices the end only on its next tick: the run ends at the last reply.
  const seconds = ((lastReply || performance.now()) - started) / 1000;
  return { generator: 'autocannon', sessions: sessions.length, ok, errors, seconds, rps: ok / seconds, firstError };
}

async function closedLoop(running: Running, sessions: BenchSession[], options: LoadOptions): Promise<LoadResult> {
  let ok = 0;
  let errors = 0;
  let sent = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const hardEnd = started + (options.maxSeconds ?? (options.durationS ?? 60) + 30) * 1000;
  const end = options.amount ? hardEnd : Math.min(hardEnd, started + (options.durationS ?? 1) * 1000);
  const params = running.callParams('hello');
  await Promise.all(
    sessions.map(async (session) => {
      while (performance.now() < end && (!options.amount || sent < options.amount)) {
        sent++;
        try {
          const result = await session.request('tools/call', params);
          if (result.isError) throw new Error(JSON.stringify(result).slice(0, 200));
          ok++;
        } catch (error) {
          errors++;
          firstError ??= String(error);
          if (errors > 100) return;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { generator: 'closed-loop', sessions: sessions.length, ok, errors, seconds, rps: ok / seconds, firstError };
}

/**
 * The leanest load generator: one keep-alive socket per session, the request written as bytes
 * with a fresh id, the reply read just far enough to find its end (Content-Length or chunked)
 * and whether it holds a result.
 */
async function rawLoad(running: Running, sessions: HttpSession[] | SseSession[], options: LoadOptions): Promise<LoadResult> {
  let ok = 0;
  let errors = 0;
  let sent = 0;
  let nextId = 1_000_000;
  let firstError: string | undefined;
  const params = JSON.stringify(running.callParams('hello'));
  const started = performance.now();
  const hardEnd = started + (options.maxSeconds ?? (options.durationS ?? 60) + 30) * 1000;
  const end = options.amount ? hardEnd : Math.min(hardEnd, started + (options.durationS ?? 1) * 1000);
  let lastReply = started;
  await Promise.all(
    sessions.map(
      (session) =>
        new Promise<void>((resolve) => {
          // Streamable HTTP: the reply is the POST's answer. Legacy SSE: the POST is accepted
          // (202) and the reply comes on the session's standing stream.
          const sse = session instanceof SseSession ? session : null;
          const url = sse ? sse.postUrl : (session as HttpSession).url;
          const headers = sse ? { 'content-type': 'application/json' } : (session as HttpSession).sessionHeaders();
          const head =
            `POST ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n` +
            Object.entries(headers)
              .map(([name, value]) => `${name}: ${value}\r\n`)
              .join('');
          const socket: Socket = connect(Number(url.port), url.hostname);
          socket.setNoDelay(true);
          let buffer: Buffer | null = null;
          let done = false;
          /** The id of the one request this session has out (closed loop). */
          let waitingFor = -1;
          const send = () => {
            sent++;
            waitingFor = nextId++;
            const body = `{"jsonrpc":"2.0","id":${waitingFor},"method":"tools/call","params":${params}}`;
            socket.write(`${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
          };
          const finish = () => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            if (sse) sse.onReplyData = null;
            socket.destroy();
            resolve();
          };
          const fail = (why: string) => {
            errors++;
            firstError ??= why;
            finish();
          };
          const answered = (status: number, body: string) => {
            if (done) return;
            waitingFor = -1;
            lastReply = performance.now();
            if (status === 200 && body.includes('"result"') && !body.includes('"isError":true')) ok++;
            else {
              errors++;
              firstError ??= `HTTP ${status}: ${body.slice(0, 200)}`;
            }
            const more = options.amount ? sent < options.amount : lastReply < end;
            if (more && errors <= 100 && lastReply < hardEnd) send();
            else finish();
          };
          // Only the answer to the request out counts (not a notification or a server's request).
          if (sse) {
            sse.onReplyData = (data) => {
              let message: { id?: unknown; method?: unknown };
              try {
                message = JSON.parse(data);
              } catch {
                return;
              }
              if (message.id === waitingFor && message.method === undefined) answered(200, data);
            };
          }
          const timer = setTimeout(finish, hardEnd - performance.now());
          socket.on('error', (error) => fail(String(error)));
          // A target that closes the connection (it crashed, or dropped keep-alive) ends the session now.
          socket.on('close', () => !done && fail(waitingFor >= 0 ? 'the target closed the connection with a request out' : 'the target closed the connection'));
          socket.on('data', (chunk: Buffer) => {
            buffer = buffer ? Buffer.concat([buffer, chunk]) : chunk;
            let reply;
            while (!done && buffer && (reply = takeReply(buffer))) {
              buffer = reply.rest.length ? reply.rest : null;
              if (reply.status === 0) return fail(reply.body);
              if (!sse) answered(reply.status, reply.body);
              // The POST itself: accepted, or a failure that no reply on the stream will follow.
              else if (reply.status >= 300) answered(reply.status, reply.body);
            }
          });
          socket.once('connect', send);
        }),
    ),
  );
  const seconds = (lastReply - started) / 1000;
  return { generator: 'raw', sessions: sessions.length, ok, errors, seconds, rps: ok / seconds, firstError };
}

/** One whole HTTP/1.1 response at the start of `buffer`, or null if it has not all arrived. */
function takeReply(buffer: Buffer): { status: number; body: string; rest: Buffer } | null {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const head = buffer.toString('latin1', 0, headEnd).toLowerCase();
  const status = Number(head.slice(9, 12));
  const length = /\r\ncontent-length: *(\d+)/.exec(head);
  let offset = headEnd + 4;
  if (length) {
    const bodyEnd = offset + Number(length[1]);
    return buffer.length < bodyEnd ? null : { status, body: buffer.toString('utf8', offset, bodyEnd), rest: buffer.subarray(bodyEnd) };
  }
  if (!/\r\ntransfer-encoding: *chunked/.test(head)) return { status, body: '', rest: buffer.subarray(offset) };
  const parts: Buffer[] = [];
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', offset);
    if (lineEnd < 0) return null;
    const size = parseInt(buffer.toString('latin1', offset, lineEnd), 16);
    if (!Number.isFinite(size) || size < 0) return { status: 0, body: `bad chunk size line: ${buffer.toString('latin1', offset, lineEnd).slice(0, 40)}`, rest: Buffer.alloc(0) };
    if (buffer.length < lineEnd + 2 + size + 2) return null;
    if (size === 0) return { status, body: Buffer.concat(parts).toString('utf8'), rest: buffer.subarray(lineEnd + 4) };
    parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}
