import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startGateway, type TestGateway } from '../helpers/gateway';

// @modelcontextprotocol/server-filesystem as a real stdio upstream on a temp folder.
describe('server-filesystem through the gateway', () => {
  let gw: TestGateway;
  const folder = mkdtempSync(join(tmpdir(), 'gatehouse-fs-'));

  beforeAll(async () => {
    writeFileSync(join(folder, 'notes.txt'), 'first line\nsecond line\n');
    gw = await startGateway();
    await gw.addServer({
      name: 'files',
      command: process.execPath,
      args: [join(ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js'), folder],
    });
  });
  afterAll(async () => {
    await gw.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('reads and writes real files', async () => {
    const client = await gw.connect();
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['files-read_text_file', 'files-write_file', 'files-list_directory']));
    const read = await client.callTool({ name: 'files-read_text_file', arguments: { path: join(folder, 'notes.txt') } });
    expect(JSON.stringify(read.content)).toContain('second line');
    await client.callTool({ name: 'files-write_file', arguments: { path: join(folder, 'out.txt'), content: 'written via gatehouse' } });
    expect(readFileSync(join(folder, 'out.txt'), 'utf8')).toBe('written via gatehouse');
  });

  it('passes the server refusing a path outside its folder as a tool error', async () => {
    const client = await gw.connect();
    const result = await client.callTool({ name: 'files-read_text_file', arguments: { path: '/etc/hostname' } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/denied|outside/i);
  });
});
