// KMS providers: wrapping, the local KEK file, the settings KEK, and how settings choose between them.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { env, parseEnv, resetEnvCache } from '@/lib/env';
import { aesGcmProvider, KeyUnwrapError, kmsProvider, localKmsProvider, setKmsProviderForTests, settingsKmsProvider } from './kms';

afterEach(() => {
  delete process.env.SECRETS_KEK;
  delete process.env.SECRETS_KMS_PROVIDER;
  resetEnvCache();
  setKmsProviderForTests(undefined);
});

describe('AES-256-GCM wrapping', () => {
  const kms = aesGcmProvider('test', randomBytes(32));

  it('wraps with a fresh nonce and unwraps to the same bytes', async () => {
    const dek = randomBytes(32);
    const a = await kms.wrap(dek);
    const b = await kms.wrap(dek);
    expect(a).toMatch(/^v1:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(dek.toString('base64url'));
    expect(await kms.unwrap(a)).toEqual(dek);
    expect(await kms.unwrap(b)).toEqual(dek);
  });

  it('refuses another KEK, a changed byte and unknown formats', async () => {
    const wrapped = await kms.wrap(randomBytes(32));
    await expect(aesGcmProvider('test', randomBytes(32)).unwrap(wrapped)).rejects.toThrow(KeyUnwrapError);
    const bytes = Buffer.from(wrapped.slice(3), 'base64url');
    bytes[20]! ^= 1;
    await expect(kms.unwrap(`v1:${bytes.toString('base64url')}`)).rejects.toThrow(KeyUnwrapError);
    for (const bad of ['', 'v1:', 'v2:AAAA', wrapped.slice(3)]) await expect(kms.unwrap(bad)).rejects.toThrow(KeyUnwrapError);
  });

  it('names the KEK by a fingerprint that does not reveal it', () => {
    const kek = randomBytes(32);
    const id = aesGcmProvider('x', kek).kekId;
    expect(id).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(aesGcmProvider('y', kek).kekId).toBe(id);
    expect(id).not.toContain(kek.toString('hex').slice(0, 16));
    expect(aesGcmProvider('x', randomBytes(32)).kekId).not.toBe(id);
  });
});

describe('local provider', () => {
  it('generates its KEK into DATA_DIR/keys/secret-kek (mode 0600) once and reuses it', () => {
    const a = localKmsProvider();
    const file = path.join(env().DATA_DIR, 'keys', 'secret-kek');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url')).toHaveLength(32);
    expect(a.id).toBe('local');
    expect(localKmsProvider().kekId).toBe(a.kekId);
  });

  it('is taken over by the settings provider when SECRETS_KEK holds the same key', async () => {
    const local = localKmsProvider();
    const wrapped = await local.wrap(Buffer.from('k'.repeat(32)));
    const kekText = fs.readFileSync(path.join(env().DATA_DIR, 'keys', 'secret-kek'), 'utf8').trim();
    const settings = settingsKmsProvider(kekText);
    expect(settings.id).toBe('settings');
    expect(settings.kekId).toBe(local.kekId);
    expect((await settings.unwrap(wrapped)).toString()).toBe('k'.repeat(32));
  });
});

describe('choosing the provider', () => {
  const kek = randomBytes(32).toString('base64url');

  it('defaults to local, and to settings when SECRETS_KEK is set', () => {
    expect(parseEnv({}).SECRETS_KMS_PROVIDER).toBe('local');
    expect(parseEnv({ SECRETS_KEK: kek }).SECRETS_KMS_PROVIDER).toBe('settings');
    expect(parseEnv({ SECRETS_KEK: `${kek}=` }).SECRETS_KEK).toBe(`${kek}=`);
    expect(parseEnv({ SECRETS_KEK: kek, SECRETS_KMS_PROVIDER: 'settings' }).SECRETS_KMS_PROVIDER).toBe('settings');
  });

  it.each([
    ['SECRETS_KEK', { SECRETS_KMS_PROVIDER: 'settings' }],
    ['SECRETS_KEK', { SECRETS_KEK: 'too-short' }],
    ['SECRETS_KEK', { SECRETS_KEK: randomBytes(32).toString('base64').replace(/[A-Za-z0-9]/, '+') }],
    ['SECRETS_KMS_PROVIDER', { SECRETS_KMS_PROVIDER: 'aws' }],
    ['SECRETS_KMS_PROVIDER', { SECRETS_KMS_PROVIDER: 'local', SECRETS_KEK: kek }],
  ])('names %s when the settings do not fit', (setting, source) => {
    expect(() => parseEnv(source)).toThrow(`${setting}:`);
  });

  it('kmsProvider() follows the settings', () => {
    expect(kmsProvider().id).toBe('local');
    setKmsProviderForTests(undefined);
    process.env.SECRETS_KEK = kek;
    resetEnvCache();
    const p = kmsProvider();
    expect(p.id).toBe('settings');
    expect(p.kekId).toBe(aesGcmProvider('settings', Buffer.from(kek, 'base64url')).kekId);
  });
});
