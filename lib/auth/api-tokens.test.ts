// Opaque user tokens: their form decides the verifier, only their hash is stored.
import { describe, expect, it } from 'vitest';
import { credentialFromHeader, generateUserToken, hashToken, tokenKind, USER_TOKEN_PREFIX } from './api-tokens';

describe('tokenKind', () => {
  it('recognises a generated user token', () => {
    expect(tokenKind(generateUserToken().token)).toBe('user_api_token');
  });

  it('recognises a JWT-looking string as an agent token', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJlLWJ5dGVz';
    expect(tokenKind(jwt)).toBe('agent_jwt');
  });

  it.each([
    ['garbage', 'not a token'],
    ['empty', ''],
    ['two segments', 'abc.def'],
    ['user token one character short', `${USER_TOKEN_PREFIX}${'A'.repeat(42)}`],
    ['user token one character long', `${USER_TOKEN_PREFIX}${'A'.repeat(44)}`],
    ['user token with a character outside base64url', `${USER_TOKEN_PREFIX}${'A'.repeat(42)}+`],
  ])('calls %s unknown', (_label, token) => {
    expect(tokenKind(token)).toBe('unknown');
  });
});

describe('generateUserToken', () => {
  it('returns the hash of the token and a short prefix of it', () => {
    const { token, hash, prefix } = generateUserToken();
    expect(token.startsWith(USER_TOKEN_PREFIX)).toBe(true);
    expect(hash).toBe(hashToken(token));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(token.startsWith(prefix)).toBe(true);
    expect(prefix.length).toBeGreaterThan(USER_TOKEN_PREFIX.length);
    // The prefix is for display; it must not carry enough of the secret to matter.
    expect(prefix.length).toBeLessThan(token.length / 2);
  });

  it('never repeats a token', () => {
    const a = generateUserToken();
    const b = generateUserToken();
    expect(a.token).not.toBe(b.token);
    expect(a.hash).not.toBe(b.hash);
  });
});

describe('credentialFromHeader', () => {
  it.each([
    ['Token abc123', 'abc123'],
    ['Bearer abc123', 'abc123'],
    ['bearer abc123', 'abc123'],
    ['Bearer  abc123  ', 'abc123'],
  ])('reads %j', (header, expected) => {
    expect(credentialFromHeader(header)).toBe(expected);
  });

  it.each([
    ['Basic', 'Basic dXNlcjpwYXNz'],
    ['empty', ''],
    ['null', null],
    ['scheme only', 'Bearer'],
    ['two words', 'Bearer abc def'],
  ])('gives null for %s', (_label, header) => {
    expect(credentialFromHeader(header)).toBeNull();
  });
});
