import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, mergePaths, resolveLoginPath } from '../../main/mcp/child-env';

const home = mkdtempSync(join(tmpdir(), 'gatehouse-home-'));
const extraDir = join(home, 'extra-bin');
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

describe.skipIf(process.platform === 'win32')('resolveLoginPath', () => {
  it("puts the login shell's PATH first, then the gateway's own", async () => {
    const env = withProfile(`export PATH="${extraDir}:$PATH"\necho "noise from the profile"\n`);
    const path = (await resolveLoginPath(env, 5_000)).split(delimiter);
    expect(path[0]).toBe(extraDir);
    expect(path).toContain('/gateway/own/bin');
    expect(path.indexOf(extraDir)).toBeLessThan(path.indexOf('/gateway/own/bin'));
    expect(new Set(path).size).toBe(path.length);
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

describe('childEnv', () => {
  it('passes the allowlist and the login PATH, then the server env; nothing else of the gateway', () => {
    process.env.GATEHOUSE_UNIT_SECRET = 'do-not-pass';
    try {
      const env = childEnv('/login/bin', { API_TOKEN: 'own', PATH: '/server/bin' });
      expect(env.GATEHOUSE_UNIT_SECRET).toBeUndefined();
      expect(env.API_TOKEN).toBe('own');
      expect(env.PATH).toBe('/server/bin');
      expect(env.HOME).toBe(process.env.HOME);
      expect(childEnv('/login/bin', {}).PATH).toBe('/login/bin');
    } finally {
      delete process.env.GATEHOUSE_UNIT_SECRET;
    }
  });
});
