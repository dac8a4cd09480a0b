/**
 * Load generators. Streamable HTTP targets get autocannon (raw sockets, a prebuilt request, a
 * fresh JSON-RPC id per request, one connection per session); the floor (stdio) and mcp-hub
 * (legacy SSE, whose replies come back on another stream) get a closed loop of lean clients.
 * Both are bounded by a duration or a request count, and by a hard time limit.
 */
import autocannon from 'autocannon';
import { type BenchSession, HttpSession } from './clients';
import type { Running } from './targets';

export interface LoadResult {
  generator: 'autocannon' | 'closed-loop';
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
    return httpSessions.length === sessions.length ? await autocannonLoad(running, httpSessions, options) : await closedLoop(running, sessions, options);
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
