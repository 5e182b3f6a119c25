// Encrypted secrets. Other tables point at a secret with a `*_secret_ref` text column holding the
// secret's id as a string: no foreign key, because a ref is resolved by code inside the caller's
// organization (a ref naming another org's secret simply does not resolve).
import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './_columns';
import { users } from './accounts';
import { organizations } from './tenancy';

// The key ring (lib/secrets/key-ring.ts): Fernet data keys, stored only wrapped by the KMS
// provider's key-encryption key. The newest key that is not retired encrypts; any key decrypts.
// Instance-wide, not org-owned. A retired key stays while a secret still names it (the foreign
// key from secrets.key_id refuses its deletion).
export const secretKeys = pgTable(
  'secret_keys',
  {
    id: text('id').primaryKey(),
    // The DEK wrapped by the KMS provider (never the DEK itself).
    wrappedKey: text('wrapped_key').notNull(),
    // Which provider wrapped it ('local', 'settings', …) and under which KEK (a fingerprint or a
    // cloud key's name), so a key wrapped under another KEK is recognised instead of misread.
    provider: text('provider').notNull(),
    kekId: text('kek_id').notNull(),
    createdAt: createdAt(),
    retiredAt: ts('retired_at'),
  },
  (t) => [index('secret_keys_created_idx').on(t.createdAt)],
);

export type SecretKey = typeof secretKeys.$inferSelect;

export const secrets = pgTable(
  'secrets',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    // Optional human label; not unique, refs always go by id.
    name: text('name'),
    // Fernet token; the plaintext is never stored and never returned by the API.
    ciphertext: text('ciphertext').notNull(),
    // Which key of the ring encrypted it, so keys can rotate without re-encrypting everything at once.
    keyId: text('key_id')
      .notNull()
      .references(() => secretKeys.id, { onDelete: 'restrict' }),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('secrets_org_created_idx').on(t.organizationId, t.createdAt), index('secrets_key_idx').on(t.keyId)],
);

export type Secret = typeof secrets.$inferSelect;
export type NewSecret = typeof secrets.$inferInsert;
