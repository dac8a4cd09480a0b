import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LoginPath, childEnv, foundOnPath, mergePaths } from '../../main/mcp/child-env';

/** The PATH a first start (nothing remembered yet) gives a child in the gateway environment `env`. */
function resolveLoginPath(env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<string> {
  const path = new LoginPath({ saved: null, save: () => undefined, env, timeoutMs });
  return path.forCommand('any-server').finally(() => path.close());
}

const home = mkdtempSync(join(tmpdir(), 'gatehouse-home-'));
const extraDir = join(home, 'extra-bin');
mkdirSync(extraDir, { recursive: true });
const ownPath = ['/gateway/own/bin', '/usr/bin'].join(delimiter);
/** The environment of a gateway whose user's login shell is bash with `profile` as ~/.bash_profile. */
function withProfile(profile: string): NodeJS.ProcessEnv {
  writeFileSync(join(home, '.bash_profile'), profile);
  return { HOME: home, SHELL: '/bin/bash', PATH: ownPath, USER: process.env.USER };
}

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('mergePaths', () => {
  it('keeps the first of each folder, in order, and skips empty entries', () => {
    expect(mergePaths(['/a', '/b', '', '/a'].join(delimiter), undefined, ['/c', '/b', '/d'].join(delimiter))).toBe(
      ['/a', '/b', '/c', '/d'].join(delimiter),
    );
    expect(mergePaths(undefined, '')).toBe('');
  });
});

describe.skipIf(process.platform === 'win32')('the login PATH on a first start', () => {
  it("puts the login shell's PATH first, then the gateway's own", async () => {
    const env = withProfile(`export PATH="${extraDir}:$PATH"\necho "noise from the profile"\n`);
    const path = (await resolveLoginPath(env, 5_000)).split(delimiter);
    expect(path[0]).toBe(extraDir);
    expect(path).toContain('/gateway/own/bin');
    expect(path.indexOf(extraDir)).toBeLessThan(path.indexOf('/gateway/own/bin'));
    expect(new Set(path).size).toBe(path.length);
  });

  it('is not fooled by a value spanning lines that looks like another variable', async () => {
    const env = withProfile(
      `export NOTES=$'todo\\nPATH=/from/notes/bin\\nhttps_proxy=http://evil:1'\n` +
        `f() {\n  cat <<EOF\nHTTPS_PROXY=http://evil:2\nEOF\n}\nexport -f f\nexport PATH="${extraDir}:$PATH"\n`,
    );
    const path = new LoginPath({ saved: null, save: () => undefined, env, timeoutMs: 5_000 });
    expect((await path.forCommand('any-server')).split(delimiter)[0]).toBe(extraDir);
    expect(path.networkEnv).not.toHaveProperty('https_proxy');
    expect(path.networkEnv).not.toHaveProperty('HTTPS_PROXY');
    path.close();
  });

  it('falls back to the own PATH within the timeout when the profile hangs', async () => {
    const env = withProfile(`sleep 30\nexport PATH="${extraDir}:$PATH"\n`);
    const started = Date.now();
    const path = (await resolveLoginPath(env, 500)).split(delimiter);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(path[0]).toBe('/gateway/own/bin');
    expect(path).not.toContain(extraDir);
  });

  it('does not wait for what the profile leaves running in the background', async () => {
    const env = withProfile(`export PATH="${extraDir}:$PATH"\n(sleep 4 &)\nsleep 4 &\n`);
    const started = Date.now();
    const path = await resolveLoginPath(env, 5_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(path.split(delimiter)[0]).toBe(extraDir);
  });

  it('falls back when the shell cannot run, or when asked not to use it', async () => {
    expect((await resolveLoginPath({ ...withProfile(''), SHELL: '/nonexistent/shell' }, 5_000)).split(delimiter)[0]).toBe('/gateway/own/bin');
    const skipped = await resolveLoginPath({ ...withProfile(`export PATH="${extraDir}:$PATH"\n`), GATEHOUSE_LOGIN_SHELL: '0' });
    expect(skipped.split(delimiter)).not.toContain(extraDir);
  });
});

/** Where `name` is installed (Debian, macOS, Homebrew), or the first guess when nowhere. */
function shellPath(name: string): string {
  const places = ['/bin', '/usr/bin', '/usr/local/bin', '/opt/homebrew/bin'].map((dir) => join(dir, name));
  return places.find((place) => existsSync(place)) ?? places[0];
}

// fish and zsh are installed by .ci/run; elsewhere these run where the shell is there.
describe.each([
  { shell: shellPath('fish'), profile: '.config/fish/config.fish', lines: (dir: string) => `set -gx PATH ${dir} $PATH\nset -gx HTTPS_PROXY http://fish-proxy:1\necho noise from fish\n` },
  { shell: shellPath('zsh'), profile: '.zprofile', lines: (dir: string) => `export PATH="${dir}:$PATH"\nexport HTTPS_PROXY=http://zsh-proxy:1\n` },
])('the login shell $shell', ({ shell, profile, lines }) => {
  it.skipIf(process.platform === 'win32' || !existsSync(shell))('gives its PATH and proxy', async () => {
    const shellHome = mkdtempSync(join(tmpdir(), 'gatehouse-shell-home-'));
    try {
      mkdirSync(join(shellHome, profile, '..'), { recursive: true });
      writeFileSync(join(shellHome, profile), lines(extraDir));
      const path = new LoginPath({ saved: null, save: () => undefined, env: { HOME: shellHome, SHELL: shell, PATH: ownPath }, timeoutMs: 5_000 });
      expect((await path.forCommand('some-mcp-server')).split(delimiter)[0]).toBe(extraDir);
      expect(path.networkEnv.HTTPS_PROXY).toMatch(/^http:\/\/(fish|zsh)-proxy:1$/);
      path.close();
    } finally {
      rmSync(shellHome, { recursive: true, force: true });
    }
  });
});

describe.skipIf(process.platform === 'win32')('LoginPath: the login PATH remembered between runs', () => {
  const rememberedDir = join(home, 'remembered-bin');
  mkdirSync(rememberedDir, { recursive: true });
  writeFileSync(join(rememberedDir, 'some-mcp-server'), '#!/bin/sh\n');
  chmodSync(join(rememberedDir, 'some-mcp-server'), 0o755);
  /** A profile that records each time the login shell runs it. */
  const counter = join(home, 'shell-runs');
  const countingProfile = (dir: string) => `echo run >> "${counter}"\nexport PATH="${dir}:$PATH"\n`;
  const shellRuns = () => {
    try {
      return readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;
    } catch {
      return 0;
    }
  };

  it('first start: asks the shell, waits for it, and remembers what it said', async () => {
    rmSync(counter, { force: true });
    const saved: string[] = [];
    const path = new LoginPath({ saved: null, save: (value) => saved.push(value), env: withProfile(countingProfile(extraDir)), timeoutMs: 5_000 });
    const first = await path.forCommand('some-mcp-server');
    expect(first.split(delimiter)[0]).toBe(extraDir);
    expect(first.split(delimiter)).toContain('/gateway/own/bin');
    expect(saved).toHaveLength(1);
    expect(saved[0].split(delimiter)[0]).toBe(extraDir);
    expect(await path.forCommand('other')).toBe(first);
    expect(shellRuns()).toBe(1);
    path.close();
  });

  it('later starts: a command found on the remembered PATH starts at once; the shell is asked again later and a new answer remembered', async () => {
    rmSync(counter, { force: true });
    const saved: string[] = [];
    const path = new LoginPath({
      saved: rememberedDir,
      save: (value) => saved.push(value),
      env: withProfile(countingProfile(extraDir)),
      timeoutMs: 5_000,
      recheckMs: 200,
    });
    const first = await path.forCommand('some-mcp-server');
    expect(first.split(delimiter)[0]).toBe(rememberedDir);
    expect(shellRuns()).toBe(0);
    // The re-check runs in the background and remembers the changed PATH for the next start.
    for (let i = 0; i < 100 && saved.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(shellRuns()).toBe(1);
    expect(saved[0].split(delimiter)[0]).toBe(extraDir);
    expect((await path.forCommand('some-mcp-server')).split(delimiter)[0]).toBe(extraDir);
    path.close();
  });

  it('a command the remembered PATH does not find waits for the shell', async () => {
    rmSync(counter, { force: true });
    const saved: string[] = [];
    const path = new LoginPath({ saved: rememberedDir, save: (value) => saved.push(value), env: withProfile(countingProfile(extraDir)), timeoutMs: 5_000, recheckMs: 60_000 });
    const got = await path.forCommand('not-installed-anywhere');
    expect(got.split(delimiter)[0]).toBe(extraDir);
    expect(shellRuns()).toBe(1);
    path.close();
  });

  it('keeps the remembered PATH when the shell fails, and uses only the own PATH with GATEHOUSE_LOGIN_SHELL=0', async () => {
    const saved: string[] = [];
    const failing = new LoginPath({ saved: rememberedDir, save: (value) => saved.push(value), env: { ...withProfile(''), SHELL: '/nonexistent/shell' }, timeoutMs: 5_000 });
    expect((await failing.forCommand('not-installed-anywhere')).split(delimiter)[0]).toBe(rememberedDir);
    failing.close();
    rmSync(counter, { force: true });
    const off = new LoginPath({ saved: rememberedDir, save: (value) => saved.push(value), env: { ...withProfile(countingProfile(extraDir)), GATEHOUSE_LOGIN_SHELL: '0' } });
    const own = await off.forCommand('not-installed-anywhere');
    expect(own.split(delimiter)[0]).toBe('/gateway/own/bin');
    expect(own.split(delimiter)).not.toContain(rememberedDir);
    off.close();
    expect(shellRuns()).toBe(0);
    expect(saved).toEqual([]);
  });

  it('a copy of the command in a system folder does not stand in for the remembered PATH', async () => {
    rmSync(counter, { force: true });
    // `sh` is in /bin (among the well-known folders every PATH gets) but not in the remembered folder.
    const path = new LoginPath({ saved: rememberedDir, save: () => undefined, env: withProfile(countingProfile(extraDir)), timeoutMs: 5_000, recheckMs: 60_000 });
    expect((await path.forCommand('sh')).split(delimiter)[0]).toBe(extraDir);
    expect(shellRuns()).toBe(1);
    path.close();
  });

  it("remembers the profile's PATH from a clean start, not the PATH Gatehouse was launched with", async () => {
    const saved: string[] = [];
    const env = { ...withProfile(`export PATH="${extraDir}:$PATH"\n`), PATH: ['/launched/from/venv/bin', '/gateway/own/bin'].join(delimiter) };
    const path = new LoginPath({ saved: null, save: (value) => saved.push(value), env, timeoutMs: 5_000 });
    const got = (await path.forCommand('some-mcp-server')).split(delimiter);
    expect(got[0]).toBe(extraDir);
    expect(got).toContain('/launched/from/venv/bin');
    expect(saved).toHaveLength(1);
    expect(saved[0].split(delimiter)[0]).toBe(extraDir);
    expect(saved[0].split(delimiter)).not.toContain('/launched/from/venv/bin');
    path.close();
  });

  it('close() stops the re-check: the shell is not asked and nothing is saved', async () => {
    rmSync(counter, { force: true });
    const saved: string[] = [];
    const path = new LoginPath({ saved: rememberedDir, save: (value) => saved.push(value), env: withProfile(countingProfile(extraDir)), timeoutMs: 5_000, recheckMs: 100 });
    expect((await path.forCommand('some-mcp-server')).split(delimiter)[0]).toBe(rememberedDir);
    path.close();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(shellRuns()).toBe(0);
    expect(saved).toEqual([]);
  });

  it('close() while the shell is being asked kills it and saves nothing', async () => {
    const saved: string[] = [];
    const path = new LoginPath({ saved: null, save: (value) => saved.push(value), env: withProfile(`sleep 30\nexport PATH="${extraDir}:$PATH"\n`), timeoutMs: 10_000 });
    const pending = path.forCommand('some-mcp-server');
    await new Promise((resolve) => setTimeout(resolve, 200));
    path.close();
    const got = await pending;
    expect(got.split(delimiter)[0]).toBe('/gateway/own/bin');
    expect(saved).toEqual([]);
  });

  it("takes the proxy and certificate variables from the shell's profile, and remembers their names only", async () => {
    rmSync(counter, { force: true });
    const saved: unknown[] = [];
    const profile = `${countingProfile(extraDir)}export HTTPS_PROXY="http://user:secret@proxy.corp:3128"\nexport no_proxy="localhost,.corp"\nset -u\n`;
    const path = new LoginPath({ saved: null, save: (value) => saved.push(value), saveNetwork: (names) => saved.push(names), env: withProfile(profile), timeoutMs: 5_000 });
    expect(path.networkEnv).toEqual({});
    await path.forCommand('some-mcp-server');
    // toMatchObject: a system-wide profile may set certificate variables of its own.
    expect(path.networkEnv).toMatchObject({ HTTPS_PROXY: 'http://user:secret@proxy.corp:3128', no_proxy: 'localhost,.corp' });
    expect(saved).toContainEqual(expect.arrayContaining(['HTTPS_PROXY', 'no_proxy']));
    expect(JSON.stringify(saved)).not.toContain('secret');
    path.close();
  });

  it("later starts wait for the shell while it set a proxy the gateway's own environment lacks", async () => {
    rmSync(counter, { force: true });
    const profile = `${countingProfile(extraDir)}export HTTPS_PROXY="http://proxy.corp:3128"\n`;
    const dock = new LoginPath({ saved: rememberedDir, save: () => undefined, savedNetwork: ['HTTPS_PROXY'], env: withProfile(profile), timeoutMs: 5_000, recheckMs: 60_000 });
    const got = await dock.forCommand('some-mcp-server');
    expect(shellRuns()).toBe(1);
    expect(got.split(delimiter)[0]).toBe(extraDir);
    expect(dock.networkEnv.HTTPS_PROXY).toBe('http://proxy.corp:3128');
    dock.close();
    // Launched from a terminal that has the proxy: the remembered PATH serves at once.
    const terminal = new LoginPath({
      saved: rememberedDir,
      save: () => undefined,
      savedNetwork: ['HTTPS_PROXY'],
      env: { ...withProfile(profile), HTTPS_PROXY: 'http://proxy.corp:3128' },
      timeoutMs: 5_000,
      recheckMs: 60_000,
    });
    expect((await terminal.forCommand('some-mcp-server')).split(delimiter)[0]).toBe(rememberedDir);
    expect(shellRuns()).toBe(1);
    terminal.close();
  });

  it("asks the shell without the gateway's own network variables, and counts a proxy in either case", async () => {
    rmSync(counter, { force: true });
    const saved: unknown[] = [];
    // The gateway has a proxy the profile does not set: the shell's answer must not echo it back.
    const fromTerminal = new LoginPath({
      saved: null,
      save: () => undefined,
      saveNetwork: (names) => saved.push(names),
      env: { ...withProfile(countingProfile(extraDir)), HTTPS_PROXY: 'http://terminal-proxy:1' },
      timeoutMs: 5_000,
    });
    await fromTerminal.forCommand('some-mcp-server');
    expect(fromTerminal.networkEnv.HTTPS_PROXY).toBeUndefined();
    expect(JSON.stringify(saved)).not.toContain('HTTPS_PROXY');
    fromTerminal.close();
    // A remembered HTTPS_PROXY is not missing when the gateway has https_proxy: no wait.
    const runs = shellRuns();
    const lower = new LoginPath({
      saved: rememberedDir,
      save: () => undefined,
      savedNetwork: ['HTTPS_PROXY'],
      env: { ...withProfile(countingProfile(extraDir)), https_proxy: 'http://terminal-proxy:1' },
      timeoutMs: 5_000,
      recheckMs: 60_000,
    });
    expect((await lower.forCommand('some-mcp-server')).split(delimiter)[0]).toBe(rememberedDir);
    expect(shellRuns()).toBe(runs);
    lower.close();
  });

  it('when the shell does not answer in time, warns with the names only and asks once more later', async () => {
    const slowOnce = join(home, 'slow-once');
    rmSync(slowOnce, { force: true });
    const warnings: string[] = [];
    const profile = `if [ ! -f "${slowOnce}" ]; then touch "${slowOnce}"; sleep 5; fi\nexport HTTPS_PROXY="http://user:secret@proxy.corp:3128"\n`;
    const path = new LoginPath({
      saved: rememberedDir,
      save: () => undefined,
      savedNetwork: ['HTTPS_PROXY'],
      env: withProfile(profile),
      timeoutMs: 400,
      recheckMs: 100,
      warn: (message) => warnings.push(message),
    });
    const first = await path.forCommand('some-mcp-server');
    expect(first.split(delimiter)[0]).toBe(rememberedDir);
    expect(path.networkEnv).toEqual({});
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('HTTPS_PROXY');
    expect(warnings[0]).not.toContain('secret');
    for (let i = 0; i < 100 && !path.networkEnv.HTTPS_PROXY; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(path.networkEnv.HTTPS_PROXY).toBe('http://user:secret@proxy.corp:3128');
    expect(warnings).toHaveLength(1);
    path.close();
  });

  it('foundOnPath: looks for an executable file in each folder; a path needs no PATH', () => {
    expect(foundOnPath('some-mcp-server', ['/nonexistent', rememberedDir].join(delimiter))).toBe(true);
    expect(foundOnPath('some-mcp-server', ['/nonexistent', extraDir].join(delimiter))).toBe(false);
    writeFileSync(join(extraDir, 'not-executable'), 'x');
    expect(foundOnPath('not-executable', extraDir)).toBe(false);
    expect(foundOnPath('./relative/server', '')).toBe(true);
  });
});

/** Sets `values` in the environment (undefined: unset), returning what they replaced. */
function setEnv(values: Record<string, string | undefined>): Record<string, string | undefined> {
  const replaced = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return replaced;
}

/** Runs `check` with `values` in the gateway's own environment, then puts the environment back. */
function withGatewayEnv(values: Record<string, string | undefined>, check: () => void): void {
  const replaced = setEnv(values);
  try {
    check();
  } finally {
    setEnv(replaced);
  }
}

describe('childEnv', () => {
  it('passes the allowlist and the login PATH, then the server env; nothing else of the gateway', () => {
    withGatewayEnv({ GATEHOUSE_UNIT_SECRET: 'do-not-pass' }, () => {
      const env = childEnv('/login/bin', { API_TOKEN: 'own', PATH: '/server/bin' });
      expect(env.GATEHOUSE_UNIT_SECRET).toBeUndefined();
      expect(env.API_TOKEN).toBe('own');
      expect(env.PATH).toBe('/server/bin');
      expect(env.HOME).toBe(process.env.HOME);
      expect(childEnv('/login/bin', {}).PATH).toBe('/login/bin');
    });
  });

  it('passes the proxy and CA variables, so a server reaches the network as the user\'s other programs do', () => {
    const corporate = {
      HTTPS_PROXY: 'http://proxy.corp:3128',
      no_proxy: 'localhost,.corp',
      NODE_EXTRA_CA_CERTS: '/etc/corp/ca.pem',
      SSL_CERT_FILE: '/etc/corp/bundle.pem',
      REQUESTS_CA_BUNDLE: '/etc/corp/bundle.pem',
    };
    withGatewayEnv(corporate, () => {
      const env = childEnv('/login/bin', {});
      expect(env.HTTPS_PROXY).toBe('http://proxy.corp:3128');
      expect(env.no_proxy).toBe('localhost,.corp');
      expect(env.NODE_EXTRA_CA_CERTS).toBe('/etc/corp/ca.pem');
      expect(env.SSL_CERT_FILE).toBe('/etc/corp/bundle.pem');
      expect(env.REQUESTS_CA_BUNDLE).toBe('/etc/corp/bundle.pem');
    });
  });

  it("adds the login shell's network variables the gateway lacks, in either case, and nothing else of the shell's", () => {
    const gateway = { HTTP_PROXY: 'http://gateway-proxy:1', http_proxy: undefined, HTTPS_PROXY: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: 'localhost' };
    withGatewayEnv(gateway, () => {
      const env = childEnv('/login/bin', {}, {
        HTTP_PROXY: 'http://shell-proxy:2',
        HTTPS_PROXY: 'http://shell-proxy:3',
        NO_PROXY: '.shell',
        AWS_SECRET_ACCESS_KEY: 'x',
      });
      expect(env.HTTP_PROXY).toBe('http://gateway-proxy:1');
      expect(env.HTTPS_PROXY).toBe('http://shell-proxy:3');
      // The gateway's no_proxy stands; the shell's NO_PROXY is not added beside it.
      expect(env.no_proxy).toBe('localhost');
      expect(env.NO_PROXY).toBeUndefined();
      expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    });
  });

  it("lets a server's own proxy, in either case, replace the inherited one in both cases", () => {
    withGatewayEnv({ http_proxy: 'http://gateway-proxy:1', HTTP_PROXY: 'http://gateway-proxy:1' }, () => {
      const env = childEnv('/login/bin', { HTTP_PROXY: 'http://server-proxy:2' });
      expect(env.HTTP_PROXY).toBe('http://server-proxy:2');
      expect(env.http_proxy).toBeUndefined();
      const lower = childEnv('/login/bin', { http_proxy: 'http://server-proxy:3' });
      expect(lower.http_proxy).toBe('http://server-proxy:3');
      expect(lower.HTTP_PROXY).toBeUndefined();
      // An empty value is how a server turns the inherited proxy off.
      const off = childEnv('/login/bin', { HTTP_PROXY: '' });
      expect(off.HTTP_PROXY).toBe('');
      expect(off.http_proxy).toBeUndefined();
    });
  });
});
