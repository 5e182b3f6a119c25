// Policy engine data (API-NOTES "Policies — one truth table"): policies hold rules (rows here
// plus the short form in rules_json) and bindings that say where a policy applies and at
// which priority.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './_columns';
import { sqlList } from './_sql';
import { environments, organizations } from './tenancy';

// Short-form rules: an entry without '/' matches any connection (`echo` = `tool:*/echo`),
// with '/' it is `tool:<entry>`; globs allowed.
export type PolicyRulesJson = { allow?: string[]; deny?: string[] };

export const policies = pgTable(
  'policies',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    // Null: organization-wide. Set: applies only to requests in that environment.
    environmentId: uuid('environment_id'),
    name: text('name').notNull(),
    description: text('description'),
    version: integer('version').notNull().default(1),
    isActive: boolean('is_active').notNull().default(true),
    rulesJson: jsonb('rules_json').$type<PolicyRulesJson>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('policies_org_name_unique').on(t.organizationId, t.name),
    index('policies_org_env_idx').on(t.organizationId, t.environmentId),
    // MATCH SIMPLE (the default): only checked when environment_id is set, so org-wide policies
    // (null environment) are allowed; a set environment must belong to the same organization.
    // ON DELETE CASCADE: an environment-specific policy goes with its environment (SET NULL
    // would also null organization_id and would turn it into an org-wide policy anyway).
    foreignKey({
      name: 'policies_org_env_fk',
      columns: [t.organizationId, t.environmentId],
      foreignColumns: [environments.organizationId, environments.id],
    }).onDelete('cascade'),
    check('policies_version_check', sql`${t.version} >= 1`),
  ],
);

export type Policy = typeof policies.$inferSelect;
export type NewPolicy = typeof policies.$inferInsert;

export const POLICY_EFFECTS = ['allow', 'deny'] as const;
export type PolicyEffect = (typeof POLICY_EFFECTS)[number];

export const policyRules = pgTable(
  'policy_rules',
  {
    id: id(),
    policyId: uuid('policy_id')
      .notNull()
      .references(() => policies.id, { onDelete: 'cascade' }),
    // e.g. tool.invoke, resource.read, prompt.get, agent.invoke; globs allowed.
    action: text('action').notNull(),
    // e.g. tool:<connection>/<tool>; globs allowed.
    target: text('target').notNull(),
    effect: text('effect').$type<PolicyEffect>().notNull(),
    // Input conditions, evaluated at call time.
    conditions: jsonb('conditions').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('policy_rules_policy_idx').on(t.policyId),
    check('policy_rules_effect_check', sql`${t.effect} in (${sqlList(POLICY_EFFECTS)})`),
  ],
);

export type PolicyRule = typeof policyRules.$inferSelect;
export type NewPolicyRule = typeof policyRules.$inferInsert;

export const POLICY_SCOPE_TYPES = ['org', 'env', 'agent', 'tool', 'role', 'user', 'resource_ns'] as const;
export type PolicyScopeType = (typeof POLICY_SCOPE_TYPES)[number];

export const policyBindings = pgTable(
  'policy_bindings',
  {
    id: id(),
    policyId: uuid('policy_id')
      .notNull()
      .references(() => policies.id, { onDelete: 'cascade' }),
    scopeType: text('scope_type').$type<PolicyScopeType>().notNull(),
    // An id (org/env/agent/tool/user), a role name or a resource namespace, depending on
    // scope_type; text so it can hold all of them. Not a FK: a binding to a deleted agent
    // simply never matches.
    scopeId: text('scope_id').notNull(),
    // Higher wins.
    priority: integer('priority').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('policy_bindings_policy_idx').on(t.policyId),
    // "Which policies are bound to this agent/tool/...?"
    index('policy_bindings_scope_idx').on(t.scopeType, t.scopeId),
    check('policy_bindings_scope_type_check', sql`${t.scopeType} in (${sqlList(POLICY_SCOPE_TYPES)})`),
  ],
);

export type PolicyBinding = typeof policyBindings.$inferSelect;
export type NewPolicyBinding = typeof policyBindings.$inferInsert;

// One counter per organization, bumped in the same transaction as every change to its policies,
// rules or bindings. Each instance keeps its compiled policy index per organization and compares
// this number at most once a second (lib/policy/store.ts), so a change reaches every instance
// within a second without any instance reloading policies per request.
export const policyRevisions = pgTable('policy_revisions', {
  organizationId: uuid('organization_id')
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  revision: bigint('revision', { mode: 'number' }).notNull().default(0),
  updatedAt: updatedAt(),
});
