import { describe, expect, it } from 'vitest';
import { MASK, REDACTED, cut, isSecretKey, maskMap, redact, redactText } from '../../shared/redact';

describe('redactText', () => {
  it('removes bearer tokens but keeps the scheme', () => {
    expect(redactText('Authorization: Bearer abcdef123456789')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactText('authorization: bearer abcdef123456789')).toBe(`authorization: bearer ${REDACTED}`);
  });

  it('removes sk- style keys and other well-known key shapes', () => {
    const samples = [
      'sk-proj-abcdefghijklmnop',
      'sk-gh-Zm9vYmFyYmF6cXV4cXV1eA',
      'sk-ant-api03-aaaaaaaaaaaa',
      'ghp_abcdefghijklmnopqrstuvwxyz012345',
      'github_pat_11ABCDEFG0123456789_abcdef',
      'xoxb-1234567890-abcdefghij',
      'AKIAIOSFODNN7EXAMPLE',
    ];
    for (const secret of samples) {
      const out = redactText(`key=${secret} end`);
      expect(out, secret).not.toContain(secret.slice(4));
      expect(out, secret).toContain(REDACTED);
      expect(out, secret).toMatch(/^key=.*end$/);
    }
  });

  it('leaves ordinary text alone', () => {
    const text = 'Skipped 3 tasks; the desk-lamp was on; ask-me later';
    expect(redactText(text)).toBe(text);
  });

  it('removes known values wherever they appear', () => {
    const known = new Set(['hunter2-very-secret', 'abc']);
    expect(redactText('pw is hunter2-very-secret!', known)).toBe(`pw is ${REDACTED}!`);
    // Values shorter than 4 characters would wipe ordinary text, so they are left.
    expect(redactText('abc', known)).toBe('abc');
  });

  it('removes a known value whole even when a shorter known value or a pattern sits inside it', () => {
    const known = new Set(['abcd', 'abcdefgh-tail']);
    expect(redactText('x abcdefgh-tail y', known)).toBe(`x ${REDACTED} y`);
    const inner = new Set(['prefix-sk-abcdefghijkl-suffix']);
    expect(redactText('v=prefix-sk-abcdefghijkl-suffix', inner)).toBe(`v=${REDACTED}`);
  });
});

describe('redact', () => {
  it('redacts values of secret-named fields at any depth', () => {
    const value = {
      user: 'ann',
      password: 'pw1',
      nested: { apiKey: 'k', api_key: 'k', 'x-api-key': 'k', GITHUB_TOKEN: 't', clientSecret: 's', Authorization: 'a' },
      list: [{ cookie: 'c' }, { private_key: 'p' }],
      credentials: { user: 'u', pass: 'p' },
    };
    const out = redact(value) as any;
    expect(out.user).toBe('ann');
    expect(out.password).toBe(REDACTED);
    for (const key of Object.keys(value.nested)) expect(out.nested[key], key).toBe(REDACTED);
    expect(out.list).toEqual([{ cookie: REDACTED }, { private_key: REDACTED }]);
    expect(out.credentials).toBe(REDACTED);
  });

  it('keeps switches, nulls and token counts', () => {
    const out = redact({ secret: null, token: true, max_tokens: 100, usage: { input_tokens: 5, total_tokens: 9 }, token_count: 3 });
    expect(out).toEqual({ secret: null, token: true, max_tokens: 100, usage: { input_tokens: 5, total_tokens: 9 }, token_count: 3 });
  });

  it('redacts secrets inside strings and known values in arrays', () => {
    const out = redact({ text: 'use Bearer abcdefghijklmnop', items: ['my-known-value', 'fine'] }, new Set(['my-known-value']));
    expect(out).toEqual({ text: `use Bearer ${REDACTED}`, items: [REDACTED, 'fine'] });
  });

  it('does not change its input', () => {
    const value = { password: 'x', text: 'sk-abcdefghijklmnop' };
    redact(value);
    expect(value).toEqual({ password: 'x', text: 'sk-abcdefghijklmnop' });
  });

  it('names secret keys sensibly', () => {
    for (const key of ['password', 'passwd', 'pass', 'token', 'accessToken', 'refresh_token', 'API_KEY', 'secret']) expect(isSecretKey(key), key).toBe(true);
    for (const key of ['name', 'compass', 'bypass', 'passage', 'max_tokens', 'tokenizer', 'keyboard']) expect(isSecretKey(key), key).toBe(false);
  });
});

describe('cut and maskMap', () => {
  it('keeps small payloads and bounds large ones', () => {
    expect(cut({ a: 1 }, 100).value).toEqual({ a: 1 });
    expect(cut(undefined, 100).value).toBeNull();
    const big = cut({ text: 'x'.repeat(1000) }, 50).value as any;
    expect(big.truncated).toBe(true);
    expect(big.preview).toHaveLength(50);
    expect(big.size).toBeGreaterThan(1000);
  });

  it('masks every value', () => {
    expect(maskMap({ A: 'secret', B: '' })).toEqual({ A: MASK, B: MASK });
  });
});

describe('cut with its JSON, and known secrets', () => {
  it('gives the JSON of exactly what it returns, small or cut', () => {
    expect(cut({ a: 1 }, 100)).toEqual({ value: { a: 1 }, json: '{"a":1}' });
    expect(cut(undefined, 100)).toEqual({ value: null, json: 'null' });
    const big = cut({ text: 'x'.repeat(1000) }, 50);
    expect(JSON.parse(big.json)).toEqual(big.value);
    expect(big.value).toMatchObject({ truncated: true, size: JSON.stringify({ text: 'x'.repeat(1000) }).length });
  });

  it('redacts every known secret in many strings, the longest first, with one sorted list per set', () => {
    const known = new Set(['abcd1234', 'abcd1234-longer-secret', 'xy']);
    expect(redactText('a abcd1234-longer-secret b', known)).toBe(`a ${REDACTED} b`);
    expect(redactText('c abcd1234 d xy', known)).toBe(`c ${REDACTED} d xy`);
  });
});
