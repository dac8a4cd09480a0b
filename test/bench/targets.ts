/**
 * The targets: each starts in front of N copies of the echo server (or says why it cannot),
 * tells when it is ready, opens sessions, and stops. Only 127.0.0.1 is ever contacted.
 *
 *   floor         the SDK Client straight to the stdio child (no gateway)
 *   http-hop      reference: a bare Node HTTP server answering the echo itself (one HTTP hop, no
 *                 upstream); floor + http-hop is what a gateway costing nothing would score (a, b only)
 *   gatehouse     `gatehouse serve`, servers added through the admin API, clients on /mcp
 *   mcp-proxy     mcp-proxy --server stream (event store on, its default)
 *   mcp-proxy-nes mcp-proxy --server stream --no-eventStore
 *   supergateway  supergateway --outputTransport streamableHttp --stateful (one child per session)
 *   mcp-hub       mcp-hub over the legacy HTTP+SSE transport, the only one it serves downstream
 *   candidate     another build of Gatehouse, from GATEHOUSE_BENCH_CANDIDATE=path/to/bin/gatehouse.js,
 *                 measured side by side with `gatehouse` to A/B a change (only with --targets)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type BenchSession, HttpSession, SseSession, StdioSession } from './clients';
import { freePort, poll, startProcess, stopProcess, waitForOutput, type Started } from './processes';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const ECHO_SERVER = join(__dirname, 'echo-server.js');
const NODE = process.execPath;
const bin = (path: string) => join(ROOT, 'node_modules', path);

export type TargetName = 'floor' | 'http-hop' | 'node-relay' | 'gatehouse' | 'mcp-proxy' | 'mcp-proxy-nes' | 'supergateway' | 'mcp-hub' | 'candidate';
/** The default targets; `candidate` runs only when named with --targets. */
export const TARGET_NAMES: TargetName[] = ['floor', 'http-hop', 'node-relay', 'gatehouse', 'mcp-proxy', 'mcp-proxy-nes', 'supergateway', 'mcp-hub'];

/** A target in front of `servers` echo servers. */
export interface Running {
  name: TargetName;
  servers: number;
  /** The process whose memory is measured (null for the floor: no gateway process). */
  pid: number | null;
  /** performance.now() when the target process was spawned (the floor: when the children were). */
  spawnedAt: number;
  /** performance.now() when it printed that it listens (Gatehouse only). */
  listeningAt: number | null;
  /** performance.now() when every server was ready (set by waitReady). */
  readyAt: number;
  /** Base URL of its MCP endpoint. */
  url: string;
  /** Extra headers (the key) for HTTP clients. */
  headers: Record<string, string>;
  /** Opens one client session (on its own socket unless `agent` is given). */
  open(agent?: Agent): Promise<BenchSession>;
  /** tools/list as a client sees it: the number of tools (the floor lists every child in parallel). */
  listTools(session: BenchSession): Promise<number>;
  /** The params of one echo call. */
  callParams(text: string): Record<string, unknown>;
  stop(): Promise<void>;
}

export interface TargetSpec {
  name: TargetName;
  label: string;
  transport: 'stdio' | 'streamable-http' | 'sse';
  /** Most upstream servers it can front at once (1 for single-server proxies). */
  maxServers: number;
  /** Most sessions the abandoned-sessions case opens (supergateway spawns a child per session). */
  abandonCap?: number;
  /** Why it cannot run here, when it cannot. */
  unavailable?: string;
  /** A reference measured in a and b only (no upstream servers to start or to hold memory). */
  referenceOnly?: boolean;
  /** Starts it and resolves once every server is ready. */
  start(servers: number): Promise<Running>;
  /** One-off preparation for `servers` (not timed); optional. */
  prepare?(servers: number): Promise<void>;
  /** Removes what prepare made. */
  cleanup?(): void;
}

/** How often readiness is polled: fine enough for start → ready, light enough not to slow the start. */
const READY_POLL_MS = 10;

const serverNames = (count: number) => Array.from({ length: count }, (_, index) => `echo${index + 1}`);

// ---------------------------------------------------------------------------------- floor

const floor: TargetSpec = {
  name: 'floor',
  label: 'SDK Client → stdio (floor)',
  transport: 'stdio',
  maxServers: Infinity,
  async start(servers) {
    const spawnedAt = performance.now();
    const sessions = await Promise.all(serverNames(servers).map(() => StdioSession.open(NODE, [ECHO_SERVER])));
    const readyAt = performance.now();
    // One stdio connection has no sessions: every "session" shares the first child's client.
    const shared: BenchSession = { request: (method, params) => sessions[0].request(method, params), close: async () => undefined };
    return {
      name: 'floor',
      servers,
      pid: null,
      spawnedAt,
      listeningAt: null,
      readyAt,
      url: 'stdio',
      headers: {},
      open: async () => shared,
      listTools: async () => {
        const lists = await Promise.all(sessions.map((session) => session.request('tools/list')));
        return lists.reduce((sum, list) => sum + (list.tools as unknown[]).length, 0);
      },
      callParams: (text) => ({ name: 'echo', arguments: { text } }),
      stop: async () => {
        await Promise.all(sessions.map((session) => session.close().catch(() => undefined)));
      },
    };
  },
};

// ------------------------------------------------------------------------------ gatehouse

const GATEHOUSE_ENV = { GATEHOUSE_LOGIN_SHELL: '0', GATEHOUSE_QUIET: '1' };

export async function startGatehouse(
  entry: string,
  dataDir: string,
  nodeArgsText = process.env.GATEHOUSE_BENCH_NODE_ARGS,
): Promise<{ started: Started; url: string; key: string; listeningAt: number }> {
  // GATEHOUSE_BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles Gatehouse under the harness.
  const nodeArgs = (nodeArgsText ?? '').split(' ').filter(Boolean);
  const started = await startProcess(NODE, [...nodeArgs, entry, 'serve', '--port', '0', '--data-dir', dataDir], /Master key[^:\n]*: \S+\n/, {
    env: GATEHOUSE_ENV,
  });
  const listeningAt = performance.now();
  const url = /Gatehouse listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(started.output())![1];
  const key = /Master key[^:\n]*: (\S+)/.exec(started.output())![1];
  return { started, url, key, listeningAt };
}

export async function adminApi(url: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Whether the build behind `entry` (bin/gatehouse.js) prints `Servers: N of M ready` once its servers settle. */
function printsServersLine(entry: string): boolean {
  try {
    return readFileSync(join(dirname(entry), '..', 'dist', 'main', 'cli.js'), 'utf8').includes('Servers: ');
  } catch {
    return false;
  }
}

function gatehouseTarget(name: 'gatehouse' | 'candidate', label: string, entry: () => string): TargetSpec {
  const dirs = new Map<number, string>();
  // The candidate may run with other Node flags (GATEHOUSE_BENCH_CANDIDATE_NODE_ARGS), to A/B a flag on one build.
  const nodeArgs = () =>
    name === 'candidate' ? (process.env.GATEHOUSE_BENCH_CANDIDATE_NODE_ARGS ?? process.env.GATEHOUSE_BENCH_NODE_ARGS) : process.env.GATEHOUSE_BENCH_NODE_ARGS;
  const spec: TargetSpec = {
    name,
    label,
    transport: 'streamable-http',
    maxServers: Infinity,
    async prepare(servers) {
      if (dirs.has(servers)) return;
      const dataDir = mkdtempSync(join(tmpdir(), `gatehouse-bench-${servers}-`));
      const { started, url, key } = await startGatehouse(entry(), dataDir, nodeArgs());
      try {
        for (const server of serverNames(servers)) {
          const created = await adminApi(url, key, 'POST', '/api/servers', { name: server, command: NODE, args: [ECHO_SERVER] });
          if (created.status !== 201) throw new Error(`adding ${server}: ${JSON.stringify(created.body)}`);
        }
        await waitGatehouseReady(url, key, servers);
      } finally {
        await stopProcess(started.child);
      }
      dirs.set(servers, dataDir);
    },
    cleanup() {
      for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });
      dirs.clear();
    },
    async start(servers) {
      await spec.prepare!(servers);
      const { started, url, key, listeningAt } = await startGatehouse(entry(), dirs.get(servers)!, nodeArgs());
      let readyAt: number;
      try {
        // `serve` prints this line once its servers have settled: seen without polling, as the
        // floor sees its children's handshakes. The admin API then confirms every one is ready.
        // Builds older than that line (a candidate) are polled.
        if (printsServersLine(entry())) {
          const [line, ready, of] = await waitForOutput(started, /^Servers: (\d+) of (\d+) ready.*$/m, 60_000, 'gatehouse serve');
          if (ready !== of || Number(of) !== servers) throw new Error(`Gatehouse did not start every server: ${line}\n${started.output().slice(-2000)}`);
        } else await waitGatehouseReady(url, key, servers);
        readyAt = performance.now();
        await waitGatehouseReady(url, key, servers);
      } catch (error) {
        await stopProcess(started.child);
        throw error;
      }
      const headers = { authorization: `Bearer ${key}` };
      return {
        name,
        servers,
        pid: started.child.pid!,
        spawnedAt: started.spawnedAt,
        listeningAt,
        readyAt,
        url: `${url}/mcp`,
        headers,
        open: (agent) => HttpSession.open(`${url}/mcp`, headers, agent),
        listTools: async (session) => ((await session.request('tools/list')).tools as unknown[]).length,
        callParams: (text) => ({ name: 'echo1-echo', arguments: { text } }),
        stop: () => stopProcess(started.child),
      };
    },
  };
  return spec;
}

const gatehouse = gatehouseTarget('gatehouse', 'Gatehouse /mcp', () => join(ROOT, 'bin/gatehouse.js'));
const candidate = gatehouseTarget('candidate', 'Gatehouse candidate', () => {
  const entry = process.env.GATEHOUSE_BENCH_CANDIDATE;
  if (!entry) throw new Error('set GATEHOUSE_BENCH_CANDIDATE to the bin/gatehouse.js of the build to compare');
  return entry;
});

export function waitGatehouseReady(url: string, key: string, servers: number): Promise<true> {
  return poll(
    async () => {
      const { body } = await adminApi(url, key, 'GET', '/api/servers');
      const list: Array<{ status: string; error?: string }> = Array.isArray(body) ? body : (body?.servers ?? []);
      const failed = list.find((server) => server.status === 'error');
      if (failed) throw new Error(`a server failed: ${failed.error}`);
      return list.length === servers && list.every((server) => server.status === 'ready') ? true : undefined;
    },
    60_000,
    `Gatehouse with ${servers} servers ready`,
    READY_POLL_MS,
  );
}

// ---------------------------------------------------------------- single-server HTTP peers

/** Starts a proxy process and waits until a client can initialize through it. */
async function startHttpPeer(name: TargetName, args: (port: number) => string[], path = '/mcp'): Promise<Running> {
  const port = await freePort();
  const started = await startProcess(NODE, args(port), null);
  const url = `http://127.0.0.1:${port}${path}`;
  try {
    const probe = await poll(
      async () => {
        if (started.child.exitCode !== null) throw new Error(`${name} exited: ${started.output().slice(-1000)}`);
        return HttpSession.open(url);
      },
      60_000,
      `${name} ready`,
      READY_POLL_MS,
    );
    await probe.close();
  } catch (error) {
    await stopProcess(started.child);
    throw error;
  }
  const readyAt = performance.now();
  return {
    name,
    servers: 1,
    pid: started.child.pid!,
    spawnedAt: started.spawnedAt,
    listeningAt: null,
    readyAt,
    url,
    headers: {},
    open: (agent) => HttpSession.open(url, {}, agent),
    listTools: async (session) => ((await session.request('tools/list')).tools as unknown[]).length,
    callParams: (text) => ({ name: 'echo', arguments: { text } }),
    stop: () => stopProcess(started.child),
  };
}

const httpHop: TargetSpec = {
  name: 'http-hop',
  label: 'bare HTTP hop (reference)',
  transport: 'streamable-http',
  maxServers: 1,
  referenceOnly: true,
  start: () => startHttpPeer('http-hop', (port) => [join(__dirname, 'http-floor-server.js'), String(port)]),
};

const nodeRelay: TargetSpec = {
  name: 'node-relay',
  label: 'bare Node relay (reference)',
  transport: 'streamable-http',
  maxServers: 1,
  referenceOnly: true,
  start: () => startHttpPeer('node-relay', (port) => [join(__dirname, 'relay-server.js'), String(port), NODE, ECHO_SERVER]),
};

const mcpProxyArgs = (eventStore: boolean) => (port: number) => [
  bin('mcp-proxy/dist/bin/mcp-proxy.mjs'),
  '--port',
  String(port),
  '--host',
  '127.0.0.1',
  '--server',
  'stream',
  ...(eventStore ? [] : ['--no-eventStore']),
  '--',
  NODE,
  ECHO_SERVER,
];

const mcpProxy: TargetSpec = {
  name: 'mcp-proxy',
  label: 'mcp-proxy (event store)',
  transport: 'streamable-http',
  maxServers: 1,
  start: () => startHttpPeer('mcp-proxy', mcpProxyArgs(true)),
};

const mcpProxyNoEventStore: TargetSpec = {
  name: 'mcp-proxy-nes',
  label: 'mcp-proxy --no-eventStore',
  transport: 'streamable-http',
  maxServers: 1,
  start: () => startHttpPeer('mcp-proxy-nes', mcpProxyArgs(false)),
};

const supergateway: TargetSpec = {
  name: 'supergateway',
  label: 'supergateway --stateful',
  transport: 'streamable-http',
  maxServers: 1,
  abandonCap: 50,
  start: () =>
    startHttpPeer('supergateway', (port) => [
      bin('supergateway/dist/index.js'),
      '--stdio',
      `${NODE} ${ECHO_SERVER}`,
      '--outputTransport',
      'streamableHttp',
      '--stateful',
      '--port',
      String(port),
      // Its default (info) logs every message; off, it is measured at its fastest.
      '--logLevel',
      'none',
    ]),
};

// ---------------------------------------------------------------------------------- mcp-hub

let hubHome: string | null = null;

/**
 * mcp-hub keeps its state under $HOME/.mcp-hub and fetches a marketplace registry from the
 * internet at start unless its cache is fresh: a fresh one-entry cache is written first, so
 * it never leaves the machine.
 */
function prepareHubHome(): string {
  if (hubHome) return hubHome;
  hubHome = mkdtempSync(join(tmpdir(), 'mcp-hub-bench-'));
  mkdirSync(join(hubHome, '.mcp-hub', 'cache'), { recursive: true });
  const registry = { version: 'bench', generatedAt: Date.now(), totalServers: 1, servers: [{ id: 'bench-placeholder', name: 'placeholder' }] };
  // A day ahead, so a long run never sees it stale.
  writeFileSync(join(hubHome, '.mcp-hub', 'cache', 'registry.json'), JSON.stringify({ registry, lastFetchedAt: Date.now() + 86_400_000, serverDocumentation: {} }));
  return hubHome;
}

const mcpHub: TargetSpec = {
  name: 'mcp-hub',
  label: 'mcp-hub (SSE)',
  transport: 'sse',
  maxServers: Infinity,
  cleanup() {
    if (hubHome) rmSync(hubHome, { recursive: true, force: true });
    hubHome = null;
  },
  async start(servers) {
    const home = prepareHubHome();
    const config = join(home, `config-${servers}.json`);
    const mcpServers = Object.fromEntries(serverNames(servers).map((name) => [name, { command: NODE, args: [ECHO_SERVER] }]));
    writeFileSync(config, JSON.stringify({ mcpServers }));
    const port = await freePort();
    const started = await startProcess(NODE, [bin('mcp-hub/dist/cli.js'), '--port', String(port), '--config', config], null, {
      env: { HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_STATE_HOME: join(home, 'state'), XDG_CONFIG_HOME: join(home, 'config') },
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      await poll(
        async () => {
          if (started.child.exitCode !== null) throw new Error(`mcp-hub exited: ${started.output().slice(-1000)}`);
          const response = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5_000) });
          const health = (await response.json()) as { state: string; servers: Array<{ status: string }> };
          const connected = health.servers.filter((server) => server.status === 'connected').length;
          return health.state === 'ready' && connected === servers ? true : undefined;
        },
        60_000,
        `mcp-hub with ${servers} servers ready`,
        READY_POLL_MS,
      );
    } catch (error) {
      await stopProcess(started.child);
      throw error;
    }
    const readyAt = performance.now();
    return {
      name: 'mcp-hub',
      servers,
      pid: started.child.pid!,
      spawnedAt: started.spawnedAt,
      listeningAt: null,
      readyAt,
      url: `${base}/mcp`,
      headers: {},
      open: () => SseSession.open(`${base}/mcp`),
      listTools: async (session) => ((await session.request('tools/list')).tools as unknown[]).length,
      callParams: (text) => ({ name: 'echo1__echo', arguments: { text } }),
      stop: () => stopProcess(started.child),
    };
  },
};

export const TARGETS: Record<TargetName, TargetSpec> = {
  floor,
  'http-hop': httpHop,
  'node-relay': nodeRelay,
  gatehouse,
  'mcp-proxy': mcpProxy,
  'mcp-proxy-nes': mcpProxyNoEventStore,
  supergateway,
  'mcp-hub': mcpHub,
  candidate,
};
