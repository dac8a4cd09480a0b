import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVERYTHING, ROOT, startGateway, type TestGateway } from '../helpers/gateway';

const run = promisify(execFile);
const INSPECTOR_CLI = join(ROOT, 'node_modules/@modelcontextprotocol/inspector/cli/build/index.js');
const AUTH_PRELOAD = join(ROOT, 'test/fixtures/gateway-key-preload.cjs');

// The real MCP Inspector CLI (0.15.0) as the downstream client, through /mcp.
describe('MCP Inspector CLI through the gateway', () => {
  let gw: TestGateway;
  const inspector = async (key: string, ...args: string[]) => {
    const { stdout } = await run(process.execPath, ['-r', AUTH_PRELOAD, INSPECTOR_CLI, `${gw.url}/mcp`, '--transport', 'http', ...args], {
      env: { ...process.env, GATEHOUSE_TEST_KEY: key },
      timeout: 30_000,
    });
    return JSON.parse(stdout);
  };

  beforeAll(async () => {
    gw = await startGateway();
    await gw.addServer({ name: 'everything', ...EVERYTHING });
  });
  afterAll(() => gw.stop());

  it('lists the gateway tools', async () => {
    const result = await inspector(gw.masterKey, '--method', 'tools/list');
    const names = result.tools.map((tool: { name: string }) => tool.name);
    expect(names).toContain('everything-echo');
    expect(names).toContain('everything-get-sum');
  });

  it('calls a tool and prints its result', async () => {
    const result = await inspector(gw.masterKey, '--method', 'tools/call', '--tool-name', 'everything-echo', '--tool-arg', 'message=inspected');
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: inspected' }]);
  });

  it('is refused without a valid key', async () => {
    await expect(inspector('sk-wrong', '--method', 'tools/list')).rejects.toThrow();
  });
});
