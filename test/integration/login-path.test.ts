import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SERVER, startGateway } from '../helpers/gateway';

/** Puts the environment back as `saved` had it and removes `dirs`. */
function restore(saved: Record<string, string | undefined>, dirs: string[]): void {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

/**
 * A stdio server whose command is a bare name that only the user's login shell puts on PATH
 * (as nvm or Homebrew would): Gatehouse asks the shell on its first start, remembers the PATH,
 * and on the next start spawns the server at once, asking the shell again only later.
 */
describe.skipIf(process.platform === 'win32')('the login shell PATH, remembered between runs', () => {
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-login-home-'));
  const binDir = join(home, 'shell-only-bin');
  const shellRan = join(home, 'shell-ran');
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-login-data-'));
  const saved = { HOME: process.env.HOME, SHELL: process.env.SHELL, GATEHOUSE_LOGIN_SHELL: process.env.GATEHOUSE_LOGIN_SHELL };

  beforeAll(() => {
    mkdirSync(binDir);
    writeFileSync(join(binDir, 'gh-login-test-server'), `#!/bin/sh\nexec "${process.execPath}" "${TEST_SERVER}" "$@"\n`);
    chmodSync(join(binDir, 'gh-login-test-server'), 0o755);
    writeFileSync(join(home, '.bash_profile'), `echo ran >> "${shellRan}"\nexport PATH="${binDir}:$PATH"\n`);
    process.env.HOME = home;
    process.env.SHELL = '/bin/bash';
    process.env.GATEHOUSE_LOGIN_SHELL = '1';
  });

  afterAll(() => restore(saved, [home, dataDir]));

  it('first start asks the shell and remembers its PATH (not shown among the settings)', async () => {
    const gateway = await startGateway({ dataDir });
    try {
      await gateway.addServer({ name: 'shellonly', command: 'gh-login-test-server', args: [] });
      expect(existsSync(shellRan)).toBe(true);
      const settings = await gateway.api('GET', '/api/settings');
      expect(settings.status).toBe(200);
      expect(JSON.stringify(settings.body)).not.toContain(binDir);
      // Not a setting: the admin API cannot write it either.
      const patched = await gateway.api('PATCH', '/api/settings', { 'remembered.loginShellPath': '/tmp/evil' });
      expect(patched.status).toBe(400);
      expect(gateway.gatehouse.settings.remembered('loginShellPath')?.split(':')[0]).toBe(binDir);
    } finally {
      await gateway.gatehouse.stop(); // keeps the data dir for the next start
    }
  });

  it('the next start spawns the server on the remembered PATH without waiting for the shell', async () => {
    rmSync(shellRan, { force: true });
    const gateway = await startGateway({ dataDir });
    try {
      const view = await gateway.waitForServer('shellonly', (server) => server.status !== 'starting');
      expect(view).toMatchObject({ status: 'ready' });
      // The shell is asked again only once the servers have booted (10 s after start).
      expect(existsSync(shellRan)).toBe(false);
    } finally {
      await gateway.stop();
    }
  });
});

/**
 * A tray app launched from a dock has no proxy variables; the user's profile sets them. The
 * servers get them from the login shell, on the first start and on the next, which waits for the
 * shell rather than start a server without its proxy. Only the names are remembered.
 */
describe.skipIf(process.platform === 'win32')("the login shell's proxy, for a gateway launched without it", () => {
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-proxy-home-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-proxy-data-'));
  const names = ['HOME', 'SHELL', 'GATEHOUSE_LOGIN_SHELL', 'HTTPS_PROXY', 'https_proxy'];
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  const proxy = 'http://user:proxy-secret@proxy.test.invalid:3128';

  beforeAll(() => {
    writeFileSync(join(home, '.bash_profile'), `export HTTPS_PROXY="${proxy}"\n`);
    process.env.HOME = home;
    process.env.SHELL = '/bin/bash';
    process.env.GATEHOUSE_LOGIN_SHELL = '1';
    delete process.env.HTTPS_PROXY;
    delete process.env.https_proxy;
  });

  afterAll(() => restore(saved, [home, dataDir]));

  const proxyOfServer = async (gateway: Awaited<ReturnType<typeof startGateway>>) => {
    const client = await gateway.connect();
    const result = await client.callTool({ name: 'proxied-print_env', arguments: { name: 'HTTPS_PROXY' } });
    return (result.content as Array<{ text: string }>)[0].text;
  };

  it('gives servers the proxy on the first start and on the next; remembers the name, not the value', async () => {
    const first = await startGateway({ dataDir });
    try {
      await first.addServer({ name: 'proxied', command: process.execPath, args: [TEST_SERVER] });
      expect(await proxyOfServer(first)).toBe(proxy);
      expect(first.gatehouse.settings.remembered('loginShellNetwork')?.split(',')).toContain('HTTPS_PROXY');
      expect(JSON.stringify(first.gatehouse.db.prepare('SELECT * FROM settings').all())).not.toContain('proxy-secret');
    } finally {
      await first.gatehouse.stop(); // keeps the data dir for the next start
    }
    const next = await startGateway({ dataDir });
    try {
      await next.waitForServer('proxied', (server) => server.status !== 'starting');
      expect(await proxyOfServer(next)).toBe(proxy);
    } finally {
      await next.stop();
    }
  });
});
