// Configuration: an empty environment is a working install; a bad setting is named in the error.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnv } from './env';

function errorMessageOf(source: Record<string, string>): string {
  try {
    parseEnv(source);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(source)} to be refused`);
}

describe('parseEnv', () => {
  it('gives the embedded defaults for an empty environment', () => {
    const e = parseEnv({});
    expect(path.isAbsolute(e.DATA_DIR)).toBe(true);
    expect(e.DATA_DIR).toBe(path.resolve('.data'));
    expect(path.basename(e.DATA_DIR)).toBe('.data');
    expect(e.DATABASE_URL).toBeUndefined();
    expect(e.AUTH_SECRET).toBeUndefined();
    expect(e.SIGNUP_MODE).toBe('open');
    expect(e.PORT).toBe(3000);
    expect(e.PUBLIC_URL).toBe('http://localhost:3000');
    expect(e.TRUST_PROXY).toBe(false);
    expect(e.NODE_ENV).toBe('development');
  });

  it('resolves a relative DATA_DIR against the working directory', () => {
    expect(parseEnv({ DATA_DIR: 'var/axs' }).DATA_DIR).toBe(path.resolve('var/axs'));
  });

  it('derives PUBLIC_URL from PORT when PUBLIC_URL is unset', () => {
    const e = parseEnv({ PORT: '8080' });
    expect(e.PORT).toBe(8080);
    expect(e.PUBLIC_URL).toBe('http://localhost:8080');
  });

  it('strips trailing slashes from PUBLIC_URL', () => {
    expect(parseEnv({ PUBLIC_URL: 'https://gw.example.com/' }).PUBLIC_URL).toBe('https://gw.example.com');
    expect(parseEnv({ PUBLIC_URL: 'https://gw.example.com/axs//' }).PUBLIC_URL).toBe('https://gw.example.com/axs');
  });

  it.each([
    ['DATABASE_URL', { DATABASE_URL: 'mysql://db/axs' }],
    ['SIGNUP_MODE', { SIGNUP_MODE: 'maybe' }],
    ['PORT', { PORT: '0' }],
    ['PORT', { PORT: '65536' }],
    ['AUTH_SECRET', { AUTH_SECRET: 'too-short' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'not a url' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'perhaps' }],
  ])('names %s when it is invalid', (setting, source) => {
    const message = errorMessageOf(source);
    expect(message).toMatch(/^Invalid configuration/);
    expect(message).toContain(`${setting}:`);
  });

  it('names every bad setting at once', () => {
    const message = errorMessageOf({ SIGNUP_MODE: 'maybe', PORT: '0' });
    expect(message).toContain('SIGNUP_MODE:');
    expect(message).toContain('PORT:');
  });

  it('accepts postgres URLs and a long enough AUTH_SECRET', () => {
    const e = parseEnv({ DATABASE_URL: 'postgresql://u:p@db:5432/axs', AUTH_SECRET: 'x'.repeat(32) });
    expect(e.DATABASE_URL).toBe('postgresql://u:p@db:5432/axs');
    expect(e.AUTH_SECRET).toBe('x'.repeat(32));
  });

  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('reads TRUST_PROXY=%s as %s', (value, expected) => {
    expect(parseEnv({ TRUST_PROXY: value }).TRUST_PROXY).toBe(expected);
  });

  it("treats '' as unset", () => {
    const e = parseEnv({ DATABASE_URL: '', AUTH_SECRET: '', PUBLIC_URL: '', TRUST_PROXY: '' });
    expect(e.DATABASE_URL).toBeUndefined();
    expect(e.AUTH_SECRET).toBeUndefined();
    expect(e.PUBLIC_URL).toBe('http://localhost:3000');
    expect(e.TRUST_PROXY).toBe(false);
  });

  it("treats '' as unset for every setting, as an env file with blank lines gives", () => {
    const blanks = Object.fromEntries(
      ['NODE_ENV', 'PORT', 'DATA_DIR', 'SIGNUP_MODE', 'API_TOKEN_TTL_HOURS', 'LOG_LEVEL', 'AUTH_THROTTLE_PER_CLIENT'].map(
        (key) => [key, ''],
      ),
    );
    expect(parseEnv(blanks)).toEqual(parseEnv({}));
  });
});

describe('parseEnv: rate limits', () => {
  it('defaults to 60 tokens refilled at 1 per second, in memory, failing closed', () => {
    const e = parseEnv({});
    expect(e.RATE_LIMIT_CAPACITY).toBe(60);
    expect(e.RATE_LIMIT_REFILL_PER_SEC).toBe(1);
    expect(e.RATE_LIMIT_FAIL_OPEN).toBe(false);
    expect(e.REDIS_URL).toBeUndefined();
    expect(e.UPSTASH_REDIS_REST_URL).toBeUndefined();
    expect(e.UPSTASH_REDIS_REST_TOKEN).toBeUndefined();
  });

  it('reads the settings', () => {
    const e = parseEnv({
      RATE_LIMIT_CAPACITY: '10',
      RATE_LIMIT_REFILL_PER_SEC: '0.5',
      RATE_LIMIT_FAIL_OPEN: 'true',
      REDIS_URL: 'rediss://:pw@redis.internal:6380/2',
      UPSTASH_REDIS_REST_URL: 'https://eu1-x.upstash.io',
      UPSTASH_REDIS_REST_TOKEN: 'AXXXtoken',
    });
    expect(e).toMatchObject({
      RATE_LIMIT_CAPACITY: 10,
      RATE_LIMIT_REFILL_PER_SEC: 0.5,
      RATE_LIMIT_FAIL_OPEN: true,
      REDIS_URL: 'rediss://:pw@redis.internal:6380/2',
      UPSTASH_REDIS_REST_URL: 'https://eu1-x.upstash.io',
      UPSTASH_REDIS_REST_TOKEN: 'AXXXtoken',
    });
  });

  it.each([
    ['RATE_LIMIT_CAPACITY', { RATE_LIMIT_CAPACITY: '0' }],
    ['RATE_LIMIT_CAPACITY', { RATE_LIMIT_CAPACITY: '2.5' }],
    ['RATE_LIMIT_REFILL_PER_SEC', { RATE_LIMIT_REFILL_PER_SEC: '0' }],
    ['RATE_LIMIT_REFILL_PER_SEC', { RATE_LIMIT_REFILL_PER_SEC: 'fast' }],
    ['RATE_LIMIT_FAIL_OPEN', { RATE_LIMIT_FAIL_OPEN: 'sometimes' }],
    ['REDIS_URL', { REDIS_URL: 'http://redis:6379' }],
    ['UPSTASH_REDIS_REST_URL', { UPSTASH_REDIS_REST_URL: 'redis://x', UPSTASH_REDIS_REST_TOKEN: 't' }],
    ['UPSTASH_REDIS_REST_TOKEN', { UPSTASH_REDIS_REST_URL: 'https://eu1-x.upstash.io' }],
    ['UPSTASH_REDIS_REST_URL', { UPSTASH_REDIS_REST_TOKEN: 'AXXXtoken' }],
  ])('names %s when it is invalid', (setting, source) => {
    expect(errorMessageOf(source)).toContain(`${setting}:`);
  });

  it('never repeats a secret-bearing value in the error', () => {
    const message = errorMessageOf({ REDIS_URL: 'http://:hunter2@redis:6379', UPSTASH_REDIS_REST_TOKEN: 'AXXXsecret' });
    expect(message).toContain('REDIS_URL:');
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('AXXXsecret');
  });

  it("treats '' as unset for the rate-limit settings", () => {
    const blanks = {
      REDIS_URL: '',
      UPSTASH_REDIS_REST_URL: '',
      UPSTASH_REDIS_REST_TOKEN: '',
      RATE_LIMIT_CAPACITY: '',
      RATE_LIMIT_REFILL_PER_SEC: '',
      RATE_LIMIT_FAIL_OPEN: '',
    };
    expect(parseEnv(blanks)).toEqual(parseEnv({}));
  });
});
