// scrypt password hashes: round trip, refusals, and the constant-cost check for unknown emails.
import { describe, expect, it } from 'vitest';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords';

describe('passwords', () => {
  it('verifies the password it hashed, and only that one', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/);
    expect(stored).not.toContain('correct horse battery');
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts each hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
  });

  it('treats NFKC-equivalent spellings as the same password', async () => {
    const stored = await hashPassword('caf\u00e9 password'); // é as one code point
    expect(await verifyPassword('cafe\u0301 password', stored)).toBe(true); // e + combining accent
  });

  it('refuses a tampered stored hash', async () => {
    const stored = await hashPassword('correct horse battery');
    const parts = stored.split('$');
    const key = parts[5]!;
    const flipped = (key[0] === 'A' ? 'B' : 'A') + key.slice(1);
    expect(await verifyPassword('correct horse battery', [...parts.slice(0, 5), flipped].join('$'))).toBe(false);
    const otherSalt = [...parts.slice(0, 4), 'AAAAAAAAAAAAAAAAAAAAAA', key].join('$');
    expect(await verifyPassword('correct horse battery', otherSalt)).toBe(false);
    expect(await verifyPassword('correct horse battery', stored.replace(/^scrypt/, 'bcrypt'))).toBe(false);
    expect(await verifyPassword('correct horse battery', 'scrypt$32768$8$1')).toBe(false);
    expect(await verifyPassword('correct horse battery', '')).toBe(false);
  });

  it('burnPasswordCheck always answers false', async () => {
    expect(await burnPasswordCheck('anything at all')).toBe(false);
    expect(await burnPasswordCheck('')).toBe(false);
  });
});
