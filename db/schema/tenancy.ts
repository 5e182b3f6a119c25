// Organizations, environments and memberships: the tenant boundary every other table hangs off.
import { sql } from 'drizzle-orm';
import { boolean, check, index, pgTable, text, timestamp, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './_columns';
import { users } from './accounts';

export const organizations = pgTable('organizations', {
  id: id(),
  name: text('name').notNull().unique('organizations_name_unique'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const ENVIRONMENT_TYPES = ['development', 'staging', 'production'] as const;

export const environments = pgTable(
  'environments',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    type: text('type').notNull().default('development'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('environments_org_name_unique').on(t.organizationId, t.name),
    // (organization_id, id) is a target for composite foreign keys: a row that names both an
    // org and an environment can then only name an environment of that same org. A UNIQUE
    // constraint, not a unique index: drizzle-kit emits constraints inside CREATE TABLE but
    // indexes after all foreign keys, and a FK needs its target to be unique already.
    unique('environments_org_id_unique').on(t.organizationId, t.id),
  ],
);

export const ORG_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;

export const organizationMemberships = pgTable(
  'organization_memberships',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    role: text('role').notNull().default('member'),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('memberships_user_org_unique').on(t.userId, t.organizationId),
    index('memberships_org_idx').on(t.organizationId),
    check('memberships_role_check', sql`${t.role} in ('owner', 'admin', 'member', 'viewer')`),
  ],
);

// An invitation lets an email that has no account yet register while SIGNUP_MODE=invite, and
// join the inviting organization with the given role when it does.
export const invitations = pgTable(
  'invitations',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role').notNull().default('member'),
    invitedById: uuid('invited_by_id').references(() => users.id, { onDelete: 'set null' }),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('invitations_org_email_unique').on(t.organizationId, sql`lower(${t.email})`),
    index('invitations_email_idx').on(sql`lower(${t.email})`),
    check('invitations_role_check', sql`${t.role} in ('owner', 'admin', 'member', 'viewer')`),
  ],
);

export type Organization = typeof organizations.$inferSelect;
export type Environment = typeof environments.$inferSelect;
export type OrganizationMembership = typeof organizationMemberships.$inferSelect;
export type Invitation = typeof invitations.$inferSelect;
