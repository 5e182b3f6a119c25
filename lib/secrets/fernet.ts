// Fernet (github.com/fernet/spec) on node:crypto. The npm packages fail the spec's vectors
// (ENVIRONMENT.md), and the whole format is small enough to own:
//
//   token = base64url( 0x80 | timestamp (u64 BE, seconds) | IV (16) | AES-128-CBC ciphertext | HMAC-SHA256 (32) )
//
// The key is 32 bytes, base64url: the first half signs (HMAC-SHA256 over everything before the
// HMAC), the second half encrypts (AES-128-CBC, PKCS#7). Tokens carry base64url padding, as the
// spec's vectors and Python's `cryptography` produce them, and only such tokens are accepted.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 0x80;
const HEADER = 1 + 8 + 16; // version, timestamp, IV
const HMAC_BYTES = 32;
const BLOCK = 16;
/** Tokens stamped further ahead than this are refused when a TTL is checked (Python's value). */
export const MAX_CLOCK_SKEW_SECONDS = 60;

/** Every refusal looks the same to the caller: the reason is for tests and logs, never the input. */
export class InvalidToken extends Error {
  constructor(readonly reason: string) {
    super(`Invalid Fernet token (${reason})`);
    this.name = 'InvalidToken';
  }
}

export interface FernetKey {
  signingKey: Buffer;
  encryptionKey: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Strict base64url with padding; anything else (other alphabets, bad padding, stray bits) is refused. */
function decodeBase64url(text: string): Buffer | null {
  if (text.length % 4 !== 0 || !BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return encodeBase64url(bytes) === text ? bytes : null;
}

/** base64url with `=` padding (Python's urlsafe_b64encode). */
export function encodeBase64url(bytes: Buffer): string {
  const bare = bytes.toString('base64url');
  return bare + '='.repeat((4 - (bare.length % 4)) % 4);
}

/** A Fernet key from its text form (32 bytes base64url; the padding may be left off) or raw bytes. */
export function parseFernetKey(key: string | Buffer | FernetKey): FernetKey {
  if (typeof key === 'object' && 'signingKey' in key) return key;
  let raw: Buffer | null;
  if (typeof key === 'string') {
    const padded = key.length === 43 ? `${key}=` : key;
    raw = decodeBase64url(padded);
  } else {
    raw = key;
  }
  if (!raw || raw.length !== 32) throw new Error('A Fernet key is 32 bytes, base64url-encoded');
  return { signingKey: Buffer.from(raw.subarray(0, 16)), encryptionKey: Buffer.from(raw.subarray(16)) };
}

/** A new random key in the text form Python's Fernet.generate_key() gives. */
export function generateFernetKey(): string {
  return encodeBase64url(randomBytes(32));
}

const seconds = (now: Date | undefined) => BigInt(Math.floor((now ?? new Date()).getTime() / 1000));

export interface EncryptOptions {
  /** The timestamp to stamp (default: the clock). For the spec's vectors. */
  now?: Date;
  /** The IV (default: 16 random bytes). Never pass one outside tests: a repeated IV leaks. */
  iv?: Buffer;
}

export function encrypt(key: string | Buffer | FernetKey, plaintext: string | Buffer, options: EncryptOptions = {}): string {
  const { signingKey, encryptionKey } = parseFernetKey(key);
  const iv = options.iv ?? randomBytes(16);
  if (iv.length !== 16) throw new Error('A Fernet IV is 16 bytes');
  const cipher = createCipheriv('aes-128-cbc', encryptionKey, iv); // PKCS#7 padding by default
  const ciphertext = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final()]);
  const header = Buffer.alloc(HEADER);
  header[0] = VERSION;
  header.writeBigUInt64BE(seconds(options.now), 1);
  iv.copy(header, 9);
  const signed = Buffer.concat([header, ciphertext]);
  const hmac = createHmac('sha256', signingKey).update(signed).digest();
  return encodeBase64url(Buffer.concat([signed, hmac]));
}

export interface DecryptOptions {
  /** Refuse tokens older than this many seconds (and stamped too far ahead). Unset: no age check. */
  ttl?: number;
  /** The clock to check the TTL against (default: now). */
  now?: Date;
}

/** The plaintext of a token, or InvalidToken. The HMAC is checked (in constant time) before anything is decrypted. */
export function decrypt(key: string | Buffer | FernetKey, token: string, options: DecryptOptions = {}): Buffer {
  const { signingKey, encryptionKey } = parseFernetKey(key);
  const data = typeof token === 'string' ? decodeBase64url(token) : null;
  if (!data) throw new InvalidToken('not base64url');
  if (data.length < HEADER + BLOCK + HMAC_BYTES) throw new InvalidToken('too short');
  if (data[0] !== VERSION) throw new InvalidToken('unknown version');
  if ((data.length - HEADER - HMAC_BYTES) % BLOCK !== 0) throw new InvalidToken('ciphertext is not whole blocks');

  const signed = data.subarray(0, data.length - HMAC_BYTES);
  const expected = createHmac('sha256', signingKey).update(signed).digest();
  if (!timingSafeEqual(expected, data.subarray(data.length - HMAC_BYTES))) throw new InvalidToken('bad HMAC');

  if (options.ttl !== undefined) {
    // As Python's implementation: the age and the skew are checked only when a TTL is asked for,
    // so a stored value stays readable whatever the clocks of the instances say.
    const stamped = data.readBigUInt64BE(1);
    const now = seconds(options.now);
    if (stamped + BigInt(options.ttl) < now) throw new InvalidToken('expired');
    if (now + BigInt(MAX_CLOCK_SKEW_SECONDS) < stamped) throw new InvalidToken('timestamp too far in the future');
  }

  const decipher = createDecipheriv('aes-128-cbc', encryptionKey, data.subarray(9, HEADER));
  try {
    return Buffer.concat([decipher.update(data.subarray(HEADER, data.length - HMAC_BYTES)), decipher.final()]);
  } catch {
    throw new InvalidToken('bad padding');
  }
}
