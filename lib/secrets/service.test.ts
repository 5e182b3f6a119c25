// The secret store's service: encryption under the key ring, org isolation, deletion, audit, and
// key rotation — including reads that interleave with it and values written while it runs.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, secretKeys, secrets, users } from '@/db/schema';
import { AppError } from '@/lib/api/errors';
import type { UserCtx } from '@/lib/auth/context';
import { env, resetEnvCache } from '@/lib/env';
import { setupTestDb } from '@/test/helpers/db';
import { makeOrg, makeUser, type TestOrg } from '@/test/helpers/fixtures';
import { decrypt } from './fernet';
import { dataKeyById, listDataKeys } from './key-ring';
import { aesGcmProvider, KeyUnwrapError, kmsProvider, setKmsProviderForTests } from './kms';
import { secretRefExists } from './refs';
import { MAX_SECRET_BYTES, storeSecretSchema } from './schemas';
import { deleteSecret, listSecrets, resolveSecret, rotateKeys, secretsPerKey, storeSecret } from './service';

const t = setupTestDb();
const page = { page: 1, pageSize: 50, offset: 0 };
const canary = () => `svc-canary-${randomBytes(8).toString('hex')}`;

let a: TestOrg;
let b: TestOrg;
let admin: UserCtx;

beforeAll(async () => {
  a = await makeOrg();
  b = await makeOrg();
  const u = await makeUser('instance-admin');
  await t.db.update(users).set({ isInstanceAdmin: true }).where(eq(users.id, u.id));
  admin = { ...u.ctx, actor: { ...u.ctx.actor, isInstanceAdmin: true } };
});

afterEach(() => {
  delete process.env.SECRETS_KEK;
  resetEnvCache();
  setKmsProviderForTests(undefined);
});

const rowOf = async (ref: string) => (await t.db.select().from(secrets).where(eq(secrets.id, ref)))[0]!;

describe('storing and resolving', () => {
  it('encrypts under the active key, answers with the ref only, and resolves inside the org', async () => {
    const value = canary();
    const stored = await storeSecret(a.ownerCtx, { value, name: 'github token' });
    expect(Object.keys(stored).sort()).toEqual(['created_at', 'name', 'secret_ref']);
    expect(stored.name).toBe('github token');

    const row = await rowOf(stored.secret_ref);
    expect(row.organizationId).toBe(a.id);
    expect(row.ciphertext).not.toContain(value);
    expect(row.ciphertext).toMatch(/^gAAAAA[A-Za-z0-9_-]+=*$/); // a Fernet token
    const [active] = (await listDataKeys(t.db)).filter((k) => k.active);
    expect(row.keyId).toBe(active!.id);
    expect(decrypt(await dataKeyById(t.db, row.keyId), row.ciphertext).toString()).toBe(value);

    expect(await resolveSecret({ db: t.db, orgId: a.id }, stored.secret_ref)).toBe(value);
    expect(await secretRefExists({ db: t.db, orgId: a.id }, stored.secret_ref)).toBe(true);
  });

  it("treats another organization's ref, an unknown ref and a malformed one as not found", async () => {
    const { secret_ref } = await storeSecret(a.ownerCtx, { value: canary() });
    for (const ref of [secret_ref, '00000000-0000-4000-8000-000000000000', 'not-a-uuid', `${secret_ref}'--`]) {
      const error = await resolveSecret({ db: t.db, orgId: b.id }, ref).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('not_found');
      expect(await secretRefExists({ db: t.db, orgId: b.id }, ref)).toBe(false);
    }
    await expect(deleteSecret(b.ownerCtx, secret_ref)).rejects.toMatchObject({ code: 'not_found' });
    expect(await resolveSecret({ db: t.db, orgId: a.id }, secret_ref)).toBeTruthy();
  });

  it('stores the wrapped data key only; the key ring row holds no usable key', async () => {
    await storeSecret(a.ownerCtx, { value: canary() });
    const [row] = await t.db.select().from(secretKeys);
    expect(row!.wrappedKey).toMatch(/^v1:/);
    expect(row!.provider).toBe('local');
    expect(row!.kekId).toBe(kmsProvider().kekId);
    expect(Buffer.from(row!.wrappedKey.slice(3), 'base64url').length).toBe(12 + 32 + 16);
  });

  it('lists metadata only, newest first, and deletes with audit events that name no value', async () => {
    const o = await makeOrg();
    const values = [canary(), canary()];
    const first = await storeSecret(o.ownerCtx, { value: values[0]!, name: 'one' });
    const second = await storeSecret(o.ownerCtx, { value: values[1]! });
    const { total, results } = await listSecrets(o.ownerCtx, page);
    expect(total).toBe(2);
    expect(results.map((s) => s.secret_ref)).toEqual([second.secret_ref, first.secret_ref]);
    expect(Object.keys(results[0]!).sort()).toEqual(['created_at', 'created_by_id', 'key_id', 'name', 'secret_ref', 'updated_at']);
    expect(results[1]).toMatchObject({ name: 'one', created_by_id: o.owner.id });

    await deleteSecret(o.ownerCtx, first.secret_ref);
    await expect(resolveSecret({ db: t.db, orgId: o.id }, first.secret_ref)).rejects.toMatchObject({ code: 'not_found' });
    expect((await listSecrets(o.ownerCtx, page)).total).toBe(1);

    const events = await t.db.select().from(auditEvents).where(eq(auditEvents.organizationId, o.id));
    const stored = events.filter((e) => e.action === 'secret.store');
    expect(stored.map((e) => e.target).sort()).toEqual([`secret:${first.secret_ref}`, `secret:${second.secret_ref}`].sort());
    expect(events.find((e) => e.action === 'secret.delete')).toMatchObject({ target: `secret:${first.secret_ref}`, eventData: { name: 'one' } });
    const text = JSON.stringify(events);
    for (const v of values) expect(text).not.toContain(v);
  });

  it('takes values of 1 byte to 64 KiB of UTF-8, and names no value in its messages', () => {
    expect(storeSecretSchema.safeParse({ value: 'x' }).success).toBe(true);
    expect(storeSecretSchema.safeParse({ value: 'x'.repeat(MAX_SECRET_BYTES) }).success).toBe(true);
    const big = storeSecretSchema.safeParse({ value: 'x'.repeat(MAX_SECRET_BYTES + 1) });
    expect(big.success).toBe(false);
    expect(storeSecretSchema.safeParse({ value: 'é'.repeat(MAX_SECRET_BYTES / 2 + 1) }).success).toBe(false);
    expect(storeSecretSchema.safeParse({ value: '' }).success).toBe(false);
    expect(storeSecretSchema.safeParse({ value: 'x', name: '' }).data).toEqual({ value: 'x' });
    const odd = storeSecretSchema.safeParse({ value: 'hunter2-value', name: 'n'.repeat(500), extra: 'hunter2-extra' });
    expect(JSON.stringify(odd.error?.issues)).not.toMatch(/hunter2/);
  });

  it('round-trips 64 KiB and multi-byte values', async () => {
    for (const value of ['秘密🔑 ✓', 'y'.repeat(MAX_SECRET_BYTES)]) {
      const { secret_ref } = await storeSecret(a.ownerCtx, { value });
      expect(await resolveSecret({ db: t.db, orgId: a.id }, secret_ref)).toBe(value);
    }
  });
});

describe('KEK', () => {
  it('refuses to read under a different KEK, with a message that names both KEKs and no key', async () => {
    const { secret_ref } = await storeSecret(a.ownerCtx, { value: canary() });
    const keysBefore = (await t.db.select().from(secretKeys)).length;
    const wrong = aesGcmProvider('settings', randomBytes(32));
    setKmsProviderForTests(wrong);
    const error = await resolveSecret({ db: t.db, orgId: a.id }, secret_ref).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyUnwrapError);
    expect((error as Error).message).toContain(wrong.kekId);
    expect((error as Error).message).toMatch(/SECRETS_KEK/);
    // Nor does it paper over the mismatch with a fresh key nobody else can read.
    await expect(storeSecret(a.ownerCtx, { value: canary() })).rejects.toThrow(KeyUnwrapError);
    expect((await t.db.select().from(secretKeys)).length).toBe(keysBefore);
  });

  it('keeps working when the generated KEK moves into SECRETS_KEK (one node to several)', async () => {
    const value = canary();
    const { secret_ref } = await storeSecret(a.ownerCtx, { value });
    process.env.SECRETS_KEK = fs.readFileSync(path.join(env().DATA_DIR, 'keys', 'secret-kek'), 'utf8').trim();
    resetEnvCache();
    setKmsProviderForTests(undefined);
    expect(kmsProvider().id).toBe('settings');
    expect(await resolveSecret({ db: t.db, orgId: a.id }, secret_ref)).toBe(value);
  });
});

describe('key rotation', () => {
  /** Every secret of the database with the value it must resolve to. */
  async function storeMany(n: number): Promise<Map<string, { org: string; value: string }>> {
    const all = new Map<string, { org: string; value: string }>();
    for (let i = 0; i < n; i++) {
      const o = i % 2 ? a : b;
      const value = canary();
      all.set((await storeSecret(o.ownerCtx, { value, name: `s${i}` })).secret_ref, { org: o.id, value });
    }
    return all;
  }

  async function expectAllReadable(all: Map<string, { org: string; value: string }>) {
    for (const [ref, { org, value }] of all) expect(await resolveSecret({ db: t.db, orgId: org }, ref)).toBe(value);
  }

  async function allSecrets() {
    const rows = await t.db.select({ id: secrets.id, org: secrets.organizationId }).from(secrets);
    const map = new Map<string, { org: string; value: string }>();
    for (const r of rows) map.set(r.id, { org: r.org, value: await resolveSecret({ db: t.db, orgId: r.org }, r.id) });
    return map;
  }

  it('is for instance administrators only', async () => {
    const notAdmin: UserCtx = { ...a.owner.ctx, actor: { ...a.owner.ctx.actor, isInstanceAdmin: false } };
    await expect(rotateKeys(notAdmin)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('re-encrypts every secret under a new key in batches, reads succeeding between batches, then retires and deletes the old key', async () => {
    await storeMany(9);
    const before = await allSecrets();
    const oldKeys = (await listDataKeys(t.db)).map((k) => k.id);
    const oldCiphertexts = new Map((await t.db.select().from(secrets)).map((r) => [r.id, r.ciphertext]));
    const batches: number[] = [];
    let interleaved = 0;

    const result = await rotateKeys(admin, {
      batchSize: 4,
      afterBatch: async ({ rotated }) => {
        batches.push(rotated);
        // Some rows are under the new key, some still under the old one: all must read.
        const perKey = await secretsPerKey(t.db);
        if (Object.keys(perKey).length > 1) interleaved++;
        await expectAllReadable(before);
      },
    });

    expect(result.rotated).toBe(before.size);
    expect(result).toMatchObject({ retired_keys: oldKeys.filter((k) => k !== result.key_id).length, failed: 0 });
    expect(result.deleted_keys).toBe(result.retired_keys);
    expect(batches.length).toBeGreaterThanOrEqual(Math.ceil(before.size / 4));
    expect(interleaved).toBeGreaterThan(0);
    expect(await secretsPerKey(t.db)).toEqual({ [result.key_id]: before.size });
    for (const r of await t.db.select().from(secrets)) expect(r.ciphertext).not.toBe(oldCiphertexts.get(r.id));
    const ring = await listDataKeys(t.db);
    expect(ring.map((k) => k.id)).toEqual([result.key_id]);
    await expectAllReadable(before);

    const [event] = await t.db.select().from(auditEvents).where(eq(auditEvents.action, 'secret_key.rotate'));
    expect(event).toMatchObject({ organizationId: null, target: `secret_key:${result.key_id}`, subject: `user:${admin.actor.userId}` });
    expect(event!.eventData).toMatchObject({ rotated: before.size, key_id: result.key_id });
    const text = JSON.stringify(event);
    for (const { value } of before.values()) expect(text).not.toContain(value);
  });

  it('serves concurrent reads and writes while it runs, and moves what was written under the old key meanwhile', async () => {
    await storeMany(6);
    const expected = await allSecrets();
    const [oldKey] = (await listDataKeys(t.db)).filter((k) => k.active);
    const straggler = { id: '00000000-0000-4000-8000-00000000000a', value: canary() };
    let done = false;
    let reads = 0;
    let writes = 0;

    const rotation = rotateKeys(admin, {
      batchSize: 2,
      afterBatch: async () => {
        if (expected.has(straggler.id)) return;
        // As a store that picked the old key just before the new one existed: a row under the
        // old key, below the keyset cursor the sweep has already passed.
        const { encrypt } = await import('./fernet');
        await t.db.insert(secrets).values({
          id: straggler.id,
          organizationId: a.id,
          name: 'straggler',
          ciphertext: encrypt(await dataKeyById(t.db, oldKey!.id), straggler.value),
          keyId: oldKey!.id,
        });
        expected.set(straggler.id, { org: a.id, value: straggler.value });
      },
    }).finally(() => {
      done = true;
    });
    const readers = (async () => {
      while (!done) {
        for (const [ref, { org, value }] of [...expected]) {
          expect(await resolveSecret({ db: t.db, orgId: org }, ref)).toBe(value);
          reads++;
        }
      }
    })();
    const writers = (async () => {
      while (!done) {
        const value = canary();
        const { secret_ref } = await storeSecret(b.ownerCtx, { value });
        expected.set(secret_ref, { org: b.id, value });
        writes++;
      }
    })();
    const [result] = await Promise.all([rotation, readers, writers]);

    expect(reads).toBeGreaterThan(0);
    expect(writes).toBeGreaterThan(0);
    expect(result.failed).toBe(0);
    // Everything — including the straggler and what was stored during the rotation — is under the new key.
    expect(await secretsPerKey(t.db)).toEqual({ [result.key_id]: expected.size });
    expect((await listDataKeys(t.db)).map((k) => k.id)).toEqual([result.key_id]);
    for (const [ref, { org, value }] of expected) expect(await resolveSecret({ db: t.db, orgId: org }, ref)).toBe(value);
  });

  it('refuses a second rotation while one runs', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await storeMany(1);
    const first = rotateKeys(admin, { batchSize: 1, afterBatch: () => gate });
    await new Promise((r) => setTimeout(r, 50));
    await expect(rotateKeys(admin)).rejects.toMatchObject({ code: 'conflict' });
    release();
    await first;
  });

  it('leaves a secret that does not decrypt under its key, keeps that key, and rotates the rest', async () => {
    await rotateKeys(admin); // start from one key
    const o = await makeOrg();
    const good = await storeSecret(o.ownerCtx, { value: 'still fine' });
    const broken = await storeSecret(o.ownerCtx, { value: canary() });
    const brokenRow = await rowOf(broken.secret_ref);
    const tampered = `${brokenRow.ciphertext.slice(0, 30)}${brokenRow.ciphertext[30] === 'A' ? 'B' : 'A'}${brokenRow.ciphertext.slice(31)}`;
    await t.db.update(secrets).set({ ciphertext: tampered }).where(eq(secrets.id, broken.secret_ref));

    const result = await rotateKeys(admin);
    expect(result.failed).toBe(1);
    expect(result.retired_keys).toBe(1);
    expect(result.deleted_keys).toBe(0); // the broken secret still names it
    expect((await rowOf(broken.secret_ref)).keyId).toBe(brokenRow.keyId);
    expect(await resolveSecret({ db: t.db, orgId: o.id }, good.secret_ref)).toBe('still fine');
    // A damaged value is an internal error (masked to the caller), never a wrong plaintext.
    const error = await resolveSecret({ db: t.db, orgId: o.id }, broken.secret_ref).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(AppError);
    expect((error as Error).message).toContain(broken.secret_ref);

    // Once that secret is gone, the next rotation deletes its key.
    await deleteSecret(o.ownerCtx, broken.secret_ref);
    const next = await rotateKeys(admin);
    expect(next.failed).toBe(0);
    expect(next.deleted_keys).toBe(2);
    expect((await listDataKeys(t.db)).map((k) => k.id)).toEqual([next.key_id]);
  });
});
