// The key ring that signs agent JWTs (ES256). Generated into DATA_DIR/keys on first use, or taken
// from AGENT_JWT_SIGNING_KEYS (a JSON array of private JWKs, newest first) so that several
// instances share it. Rotation adds a new signing key and keeps the old ones published in JWKS
// until every token they signed has expired (overlap), so rotating never logs an agent out.
import fs from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { AppError } from '@/lib/api/errors';
import { env } from '@/lib/env';

export const AGENT_JWT_ALG = 'ES256';

interface StoredKey {
  kid: string;
  private_jwk: JWK;
  created_at: string;
  /** After this moment the key signs nothing and has no live tokens: it is dropped. */
  retire_at: string | null;
}

interface KeyRing {
  keys: StoredKey[];
  source: 'settings' | 'data_dir';
}

export interface LoadedKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

const g = globalThis as unknown as { __axsSigningRing?: Promise<{ ring: KeyRing; loaded: LoadedKey[] }> };

const ringFile = () => path.join(env().DATA_DIR, 'keys', 'agent-signing-keys.json');

async function newStoredKey(): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(AGENT_JWT_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, private_jwk: { ...jwk, kid, alg: AGENT_JWT_ALG }, created_at: new Date().toISOString(), retire_at: null };
}

function writeRing(ring: KeyRing): void {
  const file = ringFile();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ keys: ring.keys }, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file); // atomic: a reader never sees half a file
}

async function readRing(): Promise<KeyRing> {
  const fromSettings = env().AGENT_JWT_SIGNING_KEYS;
  if (fromSettings) {
    return {
      source: 'settings',
      keys: fromSettings.map((jwk) => ({ kid: jwk.kid, private_jwk: jwk, created_at: '', retire_at: null })),
    };
  }
  try {
    const parsed = JSON.parse(fs.readFileSync(ringFile(), 'utf8')) as { keys: StoredKey[] };
    const now = Date.now();
    const keys = parsed.keys.filter((k) => !k.retire_at || Date.parse(k.retire_at) > now);
    if (keys.length) return { source: 'data_dir', keys };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const ring: KeyRing = { source: 'data_dir', keys: [await newStoredKey()] };
  writeRing(ring);
  return ring;
}

async function load(ring: KeyRing): Promise<LoadedKey[]> {
  return Promise.all(
    ring.keys.map(async (k) => {
      const { kty, crv, x, y } = k.private_jwk;
      const publicJwk: JWK = { kty, crv, x, y, kid: k.kid, alg: AGENT_JWT_ALG, use: 'sig' };
      return {
        kid: k.kid,
        privateKey: (await importJWK({ ...k.private_jwk, alg: AGENT_JWT_ALG }, AGENT_JWT_ALG)) as CryptoKey,
        publicKey: (await importJWK(publicJwk, AGENT_JWT_ALG)) as CryptoKey,
        publicJwk,
      };
    }),
  );
}

async function current(): Promise<{ ring: KeyRing; loaded: LoadedKey[] }> {
  if (!g.__axsSigningRing) {
    const opening = readRing().then(async (ring) => ({ ring, loaded: await load(ring) }));
    g.__axsSigningRing = opening;
    opening.catch(() => {
      if (g.__axsSigningRing === opening) g.__axsSigningRing = undefined;
    });
  }
  return g.__axsSigningRing;
}

/** The key new tokens are signed with (the newest). */
export async function signingKey(): Promise<LoadedKey> {
  return (await current()).loaded[0]!;
}

/** Every key a live token may carry in its `kid`. */
export async function verificationKey(kid: string | undefined): Promise<LoadedKey | undefined> {
  if (!kid) return undefined;
  return (await current()).loaded.find((k) => k.kid === kid);
}

/** The public half of the ring, as served at /.well-known/jwks.json. */
export async function publicJwks(): Promise<{ keys: JWK[] }> {
  return { keys: (await current()).loaded.map((k) => k.publicJwk) };
}

/**
 * Makes a new key the signing key. The previous keys stay published until the longest-lived
 * token they can have signed has expired. Refused when the keys come from settings: there, the
 * operator rotates by putting a new key first in AGENT_JWT_SIGNING_KEYS on every instance.
 */
export async function rotateSigningKey(): Promise<{ kid: string; previous: string[] }> {
  const { ring } = await current();
  if (ring.source === 'settings') {
    throw new AppError('conflict', 'Signing keys come from AGENT_JWT_SIGNING_KEYS; rotate them there');
  }
  const retireAt = new Date(Date.now() + env().AGENT_TOKEN_MAX_TTL_SECONDS * 1000).toISOString();
  const fresh = await newStoredKey();
  const previous = ring.keys.map((k) => ({ ...k, retire_at: k.retire_at ?? retireAt }));
  writeRing({ source: 'data_dir', keys: [fresh, ...previous] });
  g.__axsSigningRing = undefined;
  return { kid: fresh.kid, previous: previous.map((k) => k.kid) };
}

/** Tests point DATA_DIR elsewhere between files. */
export function resetSigningKeyCache(): void {
  g.__axsSigningRing = undefined;
}
