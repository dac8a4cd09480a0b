/**
 * f. /v1/responses overhead: what Gatehouse's OpenAI-compatible surface adds to a model call.
 *
 * The model is ScriptedLlm (test/fixtures/scripted-llm.ts), run in the harness process on
 * 127.0.0.1 with no pause between streamed pieces, so both paths reach the identical upstream.
 * One Gatehouse with one echo server (`echo1`, tool `echo1-echo`) and the stand-in as provider
 * `scripted_responses` (Responses API). Every iteration makes each of these requests once, in an
 * order rotated per iteration, after a warm-up; each plain and streamed (`stream: true`):
 *
 *   direct-text      POST {llm}/responses, no tools: the model answers text
 *   gatehouse-text   POST {gatehouse}/v1/responses, the same body: the model answers text
 *   gatehouse-tools  the same with the mcp tool (server_url litellm_proxy) offered: the model
 *                    answers text without calling it (what listing and offering the tools cost)
 *   direct-call      POST {llm}/responses with the tool as a function: the model calls it
 *   direct-answer    POST {llm}/responses with the call and its output in the input: the model answers
 *   gatehouse-round  POST {gatehouse}/v1/responses with the mcp tool (server_url litellm_proxy):
 *                    the model calls echo1-echo, Gatehouse runs it, the model answers (one tool round)
 *   mcp-call         tools/call echo1-echo on a Gatehouse /mcp session (Streamable HTTP, JSON-RPC)
 *
 * The client is node:http with a keep-alive Agent (one socket per destination): TTFB is the time
 * from sending the request to the first byte of the response body, total to its last byte.
 * Gatehouse always streams from its upstream, even for a plain request (it answers plain JSON).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addScriptedProviders, MODELS, type RecordedRequest, ScriptedLlm, type Turn, UPSTREAM_KEY } from '../fixtures/scripted-llm';
import type { BenchConfig } from './cases';
import { HttpSession, REQUEST_TIMEOUT_MS } from './clients';
import { stopProcess } from './processes';
import { median, summarize, type Summary } from './stats';
import { adminApi, ECHO_SERVER, ROOT, startGatehouse, waitGatehouseReady } from './targets';

export const V1_KINDS = ['direct-text', 'gatehouse-text', 'gatehouse-tools', 'direct-call', 'direct-answer', 'gatehouse-round'] as const;
export type V1Kind = (typeof V1_KINDS)[number];
export const V1_MODES = ['plain', 'streamed'] as const;
export type V1Mode = (typeof V1_MODES)[number];

export interface V1Timing {
  ttfb: Summary;
  total: Summary;
  perRoundP50: { ttfb: number[]; total: number[] };
}

export interface V1Result {
  /** Timed iterations per round (each makes every request once), and rounds done. */
  iterations: number;
  rounds: number;
  warmup: number;
  seconds: number;
  timings: Record<V1Kind, Record<V1Mode, V1Timing>>;
  /** tools/call echo1-echo on a Gatehouse /mcp session, ms. */
  mcpCall: { total: Summary; perRoundP50: number[] };
  /** Set when the time limit cut the run short. */
  cut?: string;
}

const TOOL = 'echo1-echo';
const TOOL_TEXT = 'bench-ping';
/** The prompt that makes the stand-in call the tool (when it is offered). */
const ECHO_PROMPT = `Echo ${TOOL_TEXT}.`;
const CALL_ID = 'call_bench_echo';
const TEXT: Turn = { text: 'Hello from the scripted model.' };
const CALL: Turn = { calls: [{ name: TOOL, arguments: { text: TOOL_TEXT }, id: CALL_ID }] };
const ANSWER: Turn = { text: `The echo said ${TOOL_TEXT}.` };

/**
 * The stand-in's script, decided by the request alone (so any order works): a tool output in the
 * input → ANSWER; the echo tool offered and asked for → CALL; otherwise TEXT.
 */
function scriptedTurn(request: RecordedRequest): Turn {
  const body = request.body ?? {};
  const input: unknown[] = Array.isArray(body.input) ? body.input : [];
  if (input.some((item: any) => item?.type === 'function_call_output')) return ANSWER;
  const tools: any[] = Array.isArray(body.tools) ? body.tools : [];
  const offered = tools.some((tool) => (tool.name ?? tool.function?.name) === TOOL);
  return offered && JSON.stringify(body.input ?? '').includes(ECHO_PROMPT) ? CALL : TEXT;
}

const FUNCTION_TOOL = {
  type: 'function',
  name: TOOL,
  description: 'Returns the text it is given',
  parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  strict: false,
};
const MCP_TOOL = { type: 'mcp', server_label: 'echo1', server_url: 'litellm_proxy', require_approval: 'never' };

/** The request bodies, and what a correct answer contains (checked after the timing). */
function bodies(stream: boolean): Record<V1Kind, { body: string; expect: string[] }> {
  const model = MODELS.responses;
  const say = JSON.stringify({ model, input: 'Say hello.', stream });
  const done = stream ? ['response.completed'] : ['"status":"completed"'];
  return {
    'direct-text': { body: say, expect: [...done, TEXT.text!] },
    'gatehouse-text': { body: say, expect: [...done, TEXT.text!] },
    'gatehouse-tools': { body: JSON.stringify({ model, input: 'Say hello.', tools: [MCP_TOOL], stream }), expect: [...done, '"type":"mcp_list_tools"', TEXT.text!] },
    'direct-call': {
      body: JSON.stringify({ model, input: ECHO_PROMPT, tools: [FUNCTION_TOOL], tool_choice: 'auto', stream }),
      expect: [...done, `"call_id":"${CALL_ID}"`],
    },
    'direct-answer': {
      body: JSON.stringify({
        model,
        input: [
          { type: 'message', role: 'user', content: ECHO_PROMPT },
          { type: 'function_call', call_id: CALL_ID, name: TOOL, arguments: JSON.stringify({ text: TOOL_TEXT }) },
          { type: 'function_call_output', call_id: CALL_ID, output: TOOL_TEXT },
        ],
        tools: [FUNCTION_TOOL],
        tool_choice: 'auto',
        stream,
      }),
      expect: [...done, ANSWER.text!],
    },
    'gatehouse-round': {
      body: JSON.stringify({ model, input: ECHO_PROMPT, tools: [MCP_TOOL], stream }),
      expect: [...done, '"type":"mcp_call"', `"output":"${TOOL_TEXT}"`, ANSWER.text!],
    },
  };
}

interface Sample {
  ttfb: number;
  total: number;
}

/** One POST on a keep-alive agent: time to the first body byte and to the end, in ms. */
function timedPost(agent: Agent, url: URL, headers: Record<string, string | number>, body: string): Promise<Sample & { status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let first = 0;
    const started = performance.now();
    const req = httpRequest(url, { method: 'POST', agent, headers }, (res) => {
      res.on('data', (chunk: Buffer) => {
        if (!first) first = performance.now();
        chunks.push(chunk);
      });
      res.on('end', () => {
        const end = performance.now();
        clearTimeout(timer);
        resolve({ ttfb: (first || end) - started, total: end - started, status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', fail);
    });
    const timer = setTimeout(() => req.destroy(new Error(`POST ${url.pathname} took longer than ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
    function fail(error: Error) {
      clearTimeout(timer);
      reject(error);
    }
    req.on('error', fail);
    req.end(body);
  });
}

type Step = { key: string; run: () => Promise<number | Sample> };

/** f. Starts the stand-in and a fresh Gatehouse, warms up, then measures `config.rounds` rounds. */
export async function v1Overhead(config: BenchConfig, log: (message: string) => void = () => undefined): Promise<V1Result> {
  const startedAt = performance.now();
  const deadline = startedAt + config.v1MaxSeconds * 1000;
  const llm = await new ScriptedLlm().start();
  llm.streamPieceDelayMs = 0;
  llm.script([], scriptedTurn);
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-v1-'));
  // One keep-alive socket per destination, Nagle off (as the servers have it).
  const keepAlive = () => new Agent({ keepAlive: true, maxSockets: 1, noDelay: true });
  const directAgent = keepAlive();
  const gatehouseAgent = keepAlive();
  const mcpAgent = keepAlive();
  let gatehouse: Awaited<ReturnType<typeof startGatehouse>> | null = null;
  let session: HttpSession | null = null;
  try {
    gatehouse = await startGatehouse(join(ROOT, 'bin/gatehouse.js'), dataDir);
    const { url, key } = gatehouse;
    const api = (method: string, path: string, body?: unknown) => adminApi(url, key, method, path, body);
    const added = await api('POST', '/api/servers', { name: 'echo1', command: process.execPath, args: [ECHO_SERVER] });
    if (added.status !== 201) throw new Error(`adding echo1: ${JSON.stringify(added.body)}`);
    await waitGatehouseReady(url, key, 1);
    await addScriptedProviders(api, llm);
    session = await HttpSession.open(`${url}/mcp`, { authorization: `Bearer ${key}` }, mcpAgent);
    const mcpSession = session;

    const directUrl = new URL(`${llm.baseUrl}/responses`);
    const gatehouseUrl = new URL(`${url}/v1/responses`);
    const steps: Step[] = [];
    for (const mode of V1_MODES) {
      const list = bodies(mode === 'streamed');
      for (const kind of V1_KINDS) {
        const { body, expect } = list[kind];
        const toGatehouse = kind.startsWith('gatehouse');
        const agent = toGatehouse ? gatehouseAgent : directAgent;
        const target = toGatehouse ? gatehouseUrl : directUrl;
        const headers = {
          authorization: `Bearer ${toGatehouse ? key : UPSTREAM_KEY}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        };
        const name = `${kind} ${mode}`;
        steps.push({
          key: name,
          run: async () => {
            const { ttfb, total, status, text } = await timedPost(agent, target, headers, body);
            if (status !== 200) throw new Error(`${name}: HTTP ${status}: ${text.slice(0, 300)}`);
            const missing = expect.find((part) => !text.includes(part));
            if (missing) throw new Error(`${name}: the answer lacks ${missing}: ${text.slice(0, 300)}`);
            return { ttfb, total };
          },
        });
      }
    }
    const callParams = { name: TOOL, arguments: { text: TOOL_TEXT } };
    steps.push({
      key: 'mcp-call',
      run: async () => {
        const started = performance.now();
        const result = await mcpSession.request('tools/call', callParams);
        const total = performance.now() - started;
        if (result.isError) throw new Error(`mcp-call: ${JSON.stringify(result)}`);
        return total;
      },
    });

    // One iteration: every step once, starting at another step each time.
    const iterate = async (index: number, record?: Map<string, Array<number | Sample>>) => {
      for (let offset = 0; offset < steps.length; offset++) {
        const step = steps[(index + offset) % steps.length];
        const value = await step.run();
        record?.get(step.key)!.push(value);
      }
      // The stand-in records every request; only the script matters here.
      llm.requests.length = 0;
    };

    log(`f: warm-up, ${config.v1Warmup} iterations`);
    let warm = 0;
    for (; warm < config.v1Warmup && performance.now() < deadline; warm++) await iterate(warm);

    const rounds: Array<Map<string, Array<number | Sample>>> = [];
    let cut: string | undefined;
    for (let round = 0; round < config.rounds && !cut; round++) {
      log(`f: round ${round + 1}, ${config.v1Iterations} iterations × ${steps.length} requests`);
      const record = new Map(steps.map((step) => [step.key, [] as Array<number | Sample>]));
      for (let index = 0; index < config.v1Iterations; index++) {
        if (performance.now() > deadline) {
          cut = `time limit of ${config.v1MaxSeconds} s reached in round ${round + 1} after ${index} iterations`;
          break;
        }
        await iterate(index + round, record);
      }
      if (record.get('mcp-call')!.length) rounds.push(record);
    }
    if (!rounds.length) throw new Error(`no iteration measured (${cut ?? 'no rounds'})`);

    const samples = (key: string) => rounds.map((round) => round.get(key)! as Sample[]);
    const timing = (key: string): V1Timing => {
      const perRound = samples(key);
      const all = perRound.flat();
      return {
        ttfb: summarize(all.map((sample) => sample.ttfb)),
        total: summarize(all.map((sample) => sample.total)),
        perRoundP50: {
          ttfb: perRound.map((list) => median(list.map((sample) => sample.ttfb))),
          total: perRound.map((list) => median(list.map((sample) => sample.total))),
        },
      };
    };
    const timings = Object.fromEntries(V1_KINDS.map((kind) => [kind, Object.fromEntries(V1_MODES.map((mode) => [mode, timing(`${kind} ${mode}`)]))])) as V1Result['timings'];
    const mcpRounds = rounds.map((round) => round.get('mcp-call')! as number[]);
    return {
      iterations: config.v1Iterations,
      rounds: rounds.length,
      warmup: warm,
      seconds: Math.round((performance.now() - startedAt) / 100) / 10,
      timings,
      mcpCall: { total: summarize(mcpRounds.flat()), perRoundP50: mcpRounds.map((list) => median(list)) },
      ...(cut ? { cut } : {}),
    };
  } finally {
    await session?.close().catch(() => undefined);
    directAgent.destroy();
    gatehouseAgent.destroy();
    mcpAgent.destroy();
    if (gatehouse) await stopProcess(gatehouse.started.child);
    await llm.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What the goals and the table derive from a result, per mode (all from p50s, in ms). */
export interface V1Derived {
  /** Gatehouse no-tools TTFB − direct text-turn TTFB. */
  ttfbAdded: number;
  /** Gatehouse no-tools total − direct text-turn total. */
  totalAdded: number;
  /**
   * What one tool round adds inside Gatehouse beyond the extra model turn:
   * (Gatehouse one round − Gatehouse no tools) − direct tool-call turn. A client running the
   * loop itself would pay one /mcp tools/call for it; the goal is to cost no more than that.
   */
  roundAdded: number;
  /** A client running the loop itself: direct tool-call turn + /mcp tools/call + direct answer turn. */
  clientLoop: number;
}

export function v1Derived(result: V1Result, mode: V1Mode): V1Derived {
  const t = (kind: V1Kind) => result.timings[kind][mode];
  const mcp = result.mcpCall.total.p50;
  return {
    ttfbAdded: t('gatehouse-text').ttfb.p50 - t('direct-text').ttfb.p50,
    totalAdded: t('gatehouse-text').total.p50 - t('direct-text').total.p50,
    roundAdded: t('gatehouse-round').total.p50 - t('gatehouse-text').total.p50 - t('direct-call').total.p50,
    clientLoop: t('direct-call').total.p50 + mcp + t('direct-answer').total.p50,
  };
}
