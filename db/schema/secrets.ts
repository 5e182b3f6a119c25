// Encrypted secrets. Other tables point at a secret with a `*_secret_ref` text column holding the
// secret's id as a string: no foreign key, because a ref is resolved by code inside the caller's
// organization (a ref naming another org's secret simply does not resolve).
import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './_columns';
import { users } from './accounts';
import { organizations } from './tenancy';

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
    keyId: text('key_id').notNull(),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('secrets_org_created_idx').on(t.organizationId, t.createdAt)],
);

export type Secret = typeof secrets.$inferSelect;
export type NewSecret = typeof secrets.$inferInsert;
