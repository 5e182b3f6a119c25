// Fernet against every vector of the specification (../shared/vectors/fernet, read at run time),
// and against the original implementation: Python's `cryptography`, when it is installed.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decrypt, encodeBase64url, encrypt, generateFernetKey, InvalidToken, MAX_CLOCK_SKEW_SECONDS, parseFernetKey } from './fernet';

const VECTORS_DIR = path.resolve(process.cwd(), '..', 'shared', 'vectors', 'fernet');

interface GenerateVector { token: string; now: string; iv: number[]; src: string; secret: string }
interface VerifyVector { token: string; now: string; ttl_sec: number; src: string; secret: string }
interface InvalidVector { desc: string; token: string; now: string; ttl_sec: number; secret: string }

function readVectors<T>(name: string): T[] {
  const file = path.join(VECTORS_DIR, name);
  if (!fs.existsSync(file)) {
    throw new Error(
      `The Fernet test vectors are missing: expected ${file} (the spec's generate.json, verify.json and invalid.json ` +
        'in ../shared/vectors/fernet beside the repository, as CI has them).',
    );
  }
  const vectors = JSON.parse(fs.readFileSync(file, 'utf8')) as T[];
  if (!Array.isArray(vectors) || vectors.length === 0) throw new Error(`${file} holds no vectors`);
  return vectors;
}

describe('Fernet specification vectors', () => {
  it('finds the vector files', () => {
    for (const name of ['generate.json', 'verify.json', 'invalid.json']) expect(() => readVectors(name)).not.toThrow();
  });

  const load = <T,>(name: string): T[] => {
    try {
      return readVectors<T>(name);
    } catch {
      return []; // the test above fails with the reason
    }
  };

  for (const [i, v] of load<GenerateVector>('generate.json').entries()) {
    it(`generate #${i}: encrypting "${v.src}" gives the token exactly`, () => {
      const token = encrypt(v.secret, v.src, { now: new Date(v.now), iv: Buffer.from(v.iv) });
      expect(token).toBe(v.token);
      expect(decrypt(v.secret, token).toString('utf8')).toBe(v.src);
    });
  }

  for (const [i, v] of load<VerifyVector>('verify.json').entries()) {
    it(`verify #${i}: decrypts to "${v.src}" within the TTL`, () => {
      expect(decrypt(v.secret, v.token, { ttl: v.ttl_sec, now: new Date(v.now) }).toString('utf8')).toBe(v.src);
    });
  }

  for (const v of load<InvalidVector>('invalid.json')) {
    it(`invalid: refuses "${v.desc}"`, () => {
      expect(() => decrypt(v.secret, v.token, { ttl: v.ttl_sec, now: new Date(v.now) })).toThrow(InvalidToken);
    });
  }
});

describe('Fernet beyond the vectors', () => {
  const key = generateFernetKey();

  it('generates keys in the 44-character padded form and accepts them without padding', () => {
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(parseFernetKey(key.slice(0, 43)).signingKey).toEqual(parseFernetKey(key).signingKey);
    for (const bad of ['', 'short', `${key}AAAA`, key.replace(/[A-Za-z]/, '+')]) expect(() => parseFernetKey(bad)).toThrow();
    expect(() => parseFernetKey(randomBytes(16))).toThrow();
  });

  it('round-trips every length around the block boundaries, and UTF-8', () => {
    for (let n = 0; n <= 49; n++) {
      const plain = randomBytes(n);
      expect(decrypt(key, encrypt(key, plain))).toEqual(plain);
    }
    const text = 'pässwörd ✓ 秘密 🔑';
    expect(decrypt(key, encrypt(key, text)).toString('utf8')).toBe(text);
  });

  it('uses a fresh IV every time', () => {
    expect(encrypt(key, 'same')).not.toBe(encrypt(key, 'same'));
  });

  it('refuses every single-byte change of a token', () => {
    const token = encrypt(key, 'tamper with me');
    const bytes = Buffer.from(token, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const changed = Buffer.from(bytes);
      changed[i]! ^= 0x01;
      expect(() => decrypt(key, encodeBase64url(changed)), `byte ${i}`).toThrow(InvalidToken);
    }
  });

  it('refuses another key, a missing padding, the standard alphabet and junk', () => {
    const token = encrypt(key, 'hello'); // 57 + 16 = 73 bytes: the base64 ends in "=="
    expect(token.endsWith('=')).toBe(true);
    expect(() => decrypt(generateFernetKey(), token)).toThrow(InvalidToken);
    expect(() => decrypt(key, token.replace(/=+$/, ''))).toThrow(InvalidToken);
    expect(() => decrypt(key, `${token} `)).toThrow(InvalidToken);
    expect(() => decrypt(key, '')).toThrow(InvalidToken);
    const standard = Buffer.from(token, 'base64url').toString('base64');
    if (standard !== token) expect(() => decrypt(key, standard)).toThrow(InvalidToken);
  });

  it('checks the TTL at its edge and the clock skew only with a TTL', () => {
    const at = new Date('2030-01-01T00:00:00Z');
    const token = encrypt(key, 'ttl', { now: at });
    const later = (s: number) => new Date(at.getTime() + s * 1000);
    expect(decrypt(key, token, { ttl: 60, now: later(60) }).toString()).toBe('ttl');
    expect(() => decrypt(key, token, { ttl: 60, now: later(61) })).toThrow(/expired/);
    expect(decrypt(key, token, { ttl: 60, now: later(-MAX_CLOCK_SKEW_SECONDS) }).toString()).toBe('ttl');
    expect(() => decrypt(key, token, { ttl: 60, now: later(-MAX_CLOCK_SKEW_SECONDS - 1) })).toThrow(/future/);
    // Stored values have no TTL: an instance whose clock is behind still reads them.
    expect(decrypt(key, token, { now: later(-86_400) }).toString()).toBe('ttl');
  });
});

// ---- interoperability with Python's `cryptography` ------------------------------------------

const probe = spawnSync('python3', ['-c', 'import cryptography'], { encoding: 'utf8' });
const hasPython = probe.status === 0;
if (!hasPython) {
  console.warn(
    "Skipping the Python interoperability tests: `python3 -c 'import cryptography'` failed " +
      `(${probe.error?.message ?? probe.stderr.trim().split('\n').pop() ?? 'no python3'}). Install python3-cryptography to run them.`,
  );
}

/** Runs a Python snippet with JSON on stdin and returns its JSON answer. */
function python(script: string, input: unknown): any {
  const run = spawnSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const PY_DECRYPT = `
import json, sys
from cryptography.fernet import Fernet, InvalidToken
req = json.load(sys.stdin)
out = []
for t in req["tokens"]:
    try:
        out.append(Fernet(req["key"].encode()).decrypt(t.encode(), ttl=req.get("ttl")).decode("utf-8"))
    except InvalidToken:
        out.append(None)
print(json.dumps(out))
`;

const PY_ENCRYPT = `
import json, sys
from cryptography.fernet import Fernet
req = json.load(sys.stdin)
key = req["key"] or Fernet.generate_key().decode()
print(json.dumps({"key": key, "tokens": [Fernet(key.encode()).encrypt(p.encode("utf-8")).decode() for p in req["plaintexts"]]}))
`;

const SAMPLES = ['', 'a', 'exactly 16 bytes', 'hello', 'unicode ✓ 秘密 🔑', 'x'.repeat(4096)];

describe('interoperability with Python cryptography.fernet', () => {
  it.skipIf(!hasPython)('Python decrypts what we encrypt (also with a TTL) and refuses a tampered token', () => {
    const key = generateFernetKey();
    const tokens = SAMPLES.map((s) => encrypt(key, s));
    expect(python(PY_DECRYPT, { key, tokens })).toEqual(SAMPLES);
    expect(python(PY_DECRYPT, { key, tokens, ttl: 60 })).toEqual(SAMPLES);
    const tampered = `${tokens[3]!.slice(0, 20)}${tokens[3]![20] === 'A' ? 'B' : 'A'}${tokens[3]!.slice(21)}`;
    expect(python(PY_DECRYPT, { key, tokens: [tampered] })).toEqual([null]);
  });

  it.skipIf(!hasPython)('we decrypt what Python encrypts, with a key Python generated', () => {
    const { key, tokens } = python(PY_ENCRYPT, { key: null, plaintexts: SAMPLES }) as { key: string; tokens: string[] };
    expect(tokens.map((t) => decrypt(key, t, { ttl: 60 }).toString('utf8'))).toEqual(SAMPLES);
    expect(() => decrypt(generateFernetKey(), tokens[0]!)).toThrow(InvalidToken);
  });

  it.skipIf(!hasPython)('Python agrees with the specification vectors too (same token for the same IV and time)', () => {
    const v = readVectors<GenerateVector>('generate.json')[0]!;
    const script = `
import json, sys
from cryptography.fernet import Fernet
req = json.load(sys.stdin)
print(json.dumps(Fernet(req["key"].encode())._encrypt_from_parts(req["src"].encode(), req["now"], bytes(req["iv"])).decode()))
`;
    expect(python(script, { key: v.secret, src: v.src, now: Math.floor(Date.parse(v.now) / 1000), iv: v.iv })).toBe(
      encrypt(v.secret, v.src, { now: new Date(v.now), iv: Buffer.from(v.iv) }),
    );
  });
});
