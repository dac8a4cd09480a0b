import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Gatehouse, type GatehouseOptions } from '../../main/app/gatehouse';
import { ScriptedLlm, addScriptedProviders } from '../fixtures/scripted-llm';

/** Repository root. */
export const ROOT = resolve(__dirname, '..', '..');
/** `node server-everything stdio`: the real upstream used across tests. */
export const EVERYTHING = {
  command: process.execPath,
  args: [join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'],
};
/** The compiled test fixture server (see test/fixtures/test-server.ts), built by `npm run build`. */
export const TEST_SERVER = join(ROOT, 'dist/test/fixtures/test-server.js');

/** A Gatehouse running in this process on a free port with a fresh data dir. */
export interface TestGateway {
  gatehouse: Gatehouse;
  url: string;
  dataDir: string;
  masterKey: string;
  /** Calls the admin API with the master key (or `key`); returns status and parsed body. */
  api<T = any>(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: T }>;
  /** Adds a server and waits until it is ready (or fails the test with its error). */
  addServer(server: Record<string, unknown>): Promise<any>;
  /** Waits until `predicate` on the server's view holds. */
  waitForServer(name: string, predicate: (view: any) => boolean, timeoutMs?: number): Promise<any>;
  /** An SDK client connected to `/mcp` + `path` with `key`. */
  connect(key?: string, path?: string, headers?: Record<string, string>): Promise<Client>;
  stop(): Promise<void>;
}

/** Starts a gateway for one test file. Stop it in afterAll. */
export async function startGateway(options: Partial<GatehouseOptions> = {}): Promise<TestGateway> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  process.env.GATEHOUSE_QUIET ??= '1';
  process.env.GATEHOUSE_LOGIN_SHELL ??= '0';
  const gatehouse = new Gatehouse({ port: 0, host: '127.0.0.1', ...options, dataDir });
  const url = await gatehouse.start();
  const clients: Client[] = [];
  const api: TestGateway['api'] = async (method, path, body, key = gatehouse.masterKey) => {
    const response = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  };
  const waitForServer: TestGateway['waitForServer'] = (name, predicate, timeoutMs = 30_000) =>
    waitFor(async () => {
      const { body } = await api('GET', `/api/servers/${name}`);
      return predicate(body) ? body : undefined;
    }, timeoutMs, `server ${name}`);
  return {
    gatehouse,
    url,
    dataDir,
    masterKey: gatehouse.masterKey,
    api,
    waitForServer,
    async addServer(server) {
      const created = await api('POST', '/api/servers', server);
      if (created.status !== 201) throw new Error(`adding ${String(server.name)} failed: ${JSON.stringify(created.body)}`);
      return waitForServer(String(server.name), (view) => {
        if (view.status === 'error') throw new Error(`${String(server.name)} failed: ${view.error}`);
        return view.status === 'ready';
      });
    },
    waitForServer,
    async connect(key = gatehouse.masterKey, path = '', headers = {}) {
      const client = new Client({ name: 'test-client', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp${path}`), {
        requestInit: { headers: { authorization: `Bearer ${key}`, ...headers } },
      });
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
      await gatehouse.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * For the /v1 tests: the scripted stand-in model, and a gateway with `everything` and the
 * fixture server as MCP servers and the stand-in registered as its providers.
 */
export async function startScriptedGateway(): Promise<{ gw: TestGateway; llm: ScriptedLlm }> {
  const llm = await new ScriptedLlm().start();
  const gw = await startGateway();
  await Promise.all([
    gw.addServer({ name: 'everything', ...EVERYTHING }),
    gw.addServer({ name: 'fixture', command: process.execPath, args: [TEST_SERVER] }),
  ]);
  await addScriptedProviders(gw.api, llm);
  return { gw, llm };
}

/** Polls `check` until it returns a value other than undefined; bounded by `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      lastError = error;
      if (error instanceof Error && /failed:/.test(error.message)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
