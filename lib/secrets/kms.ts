// Envelope encryption: secrets are Fernet-encrypted with data keys (DEKs, table secret_keys), and
// the DEKs are stored only wrapped by a key-encryption key (KEK) that lives outside the database.
// A stolen database dump alone therefore decrypts nothing. A KmsProvider owns the KEK and does
// the wrapping; the application never needs to see a remote KMS's key material.
//
// Providers here:
// - local    (default, one node): a KEK generated into DATA_DIR/keys/secret-kek (mode 0600).
// - settings (several nodes): the KEK from the SECRETS_KEK setting, the same on every instance.
// Both hold the KEK as 32 bytes base64url, so moving from local to settings is copying the file's
// content into SECRETS_KEK: the KEK id (a fingerprint of the key) stays the same and every DEK
// keeps unwrapping.
//
// Wrapping cipher (both providers): AES-256-GCM with a random 96-bit nonce per wrap and a fixed
// associated-data label, stored as "v1:" + base64url(nonce | ciphertext | 16-byte tag). GCM
// authenticates, so a wrong KEK or a tampered row fails loudly instead of yielding a wrong key; a
// random nonce is safe for the handful of DEKs an instance ever wraps under one KEK.
//
// A cloud KMS plugs in as another provider (documented in docs/secrets.md):
// - AWS KMS: wrap = KMS Encrypt { KeyId: <key ARN>, Plaintext: dek, EncryptionContext:
//   { purpose: 'agentxsuite-secret-dek' } } → base64 CiphertextBlob; unwrap = KMS Decrypt with the
//   same EncryptionContext (and KeyId pinned). kekId = the key ARN. IAM grants the instance role
//   kms:Encrypt and kms:Decrypt on that key only; rotation of the KMS key itself is AWS's
//   (automatic key rotation keeps old key material for Decrypt).
// - GCP Cloud KMS: wrap = projects.locations.keyRings.cryptoKeys.encrypt { name: <CryptoKey
//   resource name>, plaintext: dek, additionalAuthenticatedData: 'agentxsuite-secret-dek' } →
//   base64 ciphertext; unwrap = …cryptoKeys.decrypt with the same name and AAD. kekId = the
//   CryptoKey resource name; the service account needs roles/cloudkms.cryptoKeyEncrypterDecrypter.
// Either way, only the 32-byte DEKs travel to the KMS (a few per instance), never secret values.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { generatedKey } from '@/lib/auth/keys';
import { env } from '@/lib/env';

export interface KmsProvider {
  /** 'local', 'settings', 'aws-kms', … (stored with each wrapped key). */
  id: string;
  /** Names the KEK (a fingerprint, or a cloud key's ARN/resource name), so a key wrapped under another KEK is recognised. */
  kekId: string;
  wrap(plain: Buffer): Promise<string>;
  unwrap(wrapped: string): Promise<Buffer>;
}

const WRAP_FORMAT = 'v1';
const AAD = Buffer.from('agentxsuite/secret-dek/v1');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Thrown when a wrapped key cannot be opened: wrong KEK, or a damaged row. Never carries key material. */
export class KeyUnwrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyUnwrapError';
  }
}

function parseKek(text: string, source: string): Buffer {
  const kek = /^[A-Za-z0-9_-]{43}=?$/.test(text) ? Buffer.from(text, 'base64url') : null;
  if (!kek || kek.length !== 32) throw new Error(`${source} must hold 32 bytes, base64url-encoded`);
  return kek;
}

/** A stable, non-secret name for a KEK: a domain-separated SHA-256 fingerprint. */
export function kekFingerprint(kek: Buffer): string {
  return `sha256:${createHash('sha256').update('agentxsuite secret-store KEK id\0').update(kek).digest('hex').slice(0, 32)}`;
}

/** An AES-256-GCM provider around a KEK held in this process (the local and settings providers). */
export function aesGcmProvider(id: string, kek: Buffer): KmsProvider {
  if (kek.length !== 32) throw new Error('The KEK must be 32 bytes');
  const kekId = kekFingerprint(kek);
  return {
    id,
    kekId,
    async wrap(plain) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', kek, nonce).setAAD(AAD);
      const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
      return `${WRAP_FORMAT}:${Buffer.concat([nonce, sealed, cipher.getAuthTag()]).toString('base64url')}`;
    },
    async unwrap(wrapped) {
      const [format, body] = wrapped.split(':');
      const data = format === WRAP_FORMAT && body ? Buffer.from(body, 'base64url') : Buffer.alloc(0);
      if (data.length < NONCE_BYTES + TAG_BYTES + 1) throw new KeyUnwrapError('The wrapped key is not in a known format');
      const decipher = createDecipheriv('aes-256-gcm', kek, data.subarray(0, NONCE_BYTES)).setAAD(AAD);
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new KeyUnwrapError(`The wrapped key does not open with KEK ${kekId}`);
      }
    },
  };
}

export function localKmsProvider(): KmsProvider {
  const text = generatedKey('secret-kek', () => randomBytes(32).toString('base64url'));
  return aesGcmProvider('local', parseKek(text, 'DATA_DIR/keys/secret-kek'));
}

export function settingsKmsProvider(kekText: string | undefined = env().SECRETS_KEK): KmsProvider {
  if (!kekText) throw new Error('SECRETS_KEK is not set');
  return aesGcmProvider('settings', parseKek(kekText, 'SECRETS_KEK'));
}

const g = globalThis as unknown as { __axsKms?: KmsProvider };

/** The configured provider (SECRETS_KMS_PROVIDER), built once per process. */
export function kmsProvider(): KmsProvider {
  g.__axsKms ??= env().SECRETS_KMS_PROVIDER === 'settings' ? settingsKmsProvider() : localKmsProvider();
  return g.__axsKms;
}

/** Tests switch settings or DATA_DIR, or install a provider of their own. */
export function setKmsProviderForTests(provider: KmsProvider | undefined): void {
  g.__axsKms = provider;
}
