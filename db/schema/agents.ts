// Agents, the service accounts they authenticate with, and the platform JWTs issued to them.
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  foreignKey,
  index,
  jsonb,
  pgTable,
  text,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './_columns';
import { sqlList } from './_sql';
import { users } from './accounts';
import { connections } from './connections';
import { environments, organizations } from './tenancy';

// An external workload identity (subject + issuer of a token it presents) mapped onto an agent.
export const serviceAccounts = pgTable(
  'service_accounts',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    // Null: usable in every environment of the organization.
    environmentId: uuid('environment_id'),
    name: text('name').notNull(),
    subject: text('subject').notNull(),
    credentialRef: text('credential_ref'),
    audience: text('audience').notNull(),
    issuer: text('issuer').notNull(),
    scopeAllowlist: jsonb('scope_allowlist').$type<string[]>().notNull().default([]),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('service_accounts_org_name_unique').on(t.organizationId, t.name),
    // Global, not per org: one external identity must never map to two tenants.
    uniqueIndex('service_accounts_subject_issuer_unique').on(t.subject, t.issuer),
    // MATCH SIMPLE (the default): only checked when environment_id is set.
    foreignKey({
      name: 'service_accounts_org_env_fk',
      columns: [t.organizationId, t.environmentId],
      foreignColumns: [environments.organizationId, environments.id],
    }).onDelete('cascade'),
  ],
);

export type ServiceAccount = typeof serviceAccounts.$inferSelect;
export type NewServiceAccount = typeof serviceAccounts.$inferInsert;

export const AGENT_MODES = ['RUNNER', 'CALLER'] as const;
export type AgentMode = (typeof AGENT_MODES)[number];
export const AGENT_INBOUND_AUTH_METHODS = ['BEARER', 'MTLS', 'NONE'] as const;
export type AgentInboundAuthMethod = (typeof AGENT_INBOUND_AUTH_METHODS)[number];

export const agents = pgTable(
  'agents',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    environmentId: uuid('environment_id').notNull(),
    // Required for RUNNER (check below). Because of that check, deleting a connection that a
    // RUNNER agent still uses fails instead of silently breaking the agent; CALLER agents just
    // lose the link.
    connectionId: uuid('connection_id').references(() => connections.id, { onDelete: 'set null' }),
    serviceAccountId: uuid('service_account_id').references(() => serviceAccounts.id, {
      onDelete: 'set null',
    }),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: text('description'),
    mode: text('mode').$type<AgentMode>().notNull().default('RUNNER'),
    // NONE = platform JWTs only, the narrowest choice, hence the default.
    inboundAuthMethod: text('inbound_auth_method')
      .$type<AgentInboundAuthMethod>()
      .notNull()
      .default('NONE'),
    enabled: boolean('enabled').notNull().default(true),
    capabilities: jsonb('capabilities').$type<Record<string, unknown>>().notNull().default({}),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    // Secret refs (ids of rows in `secrets`, resolved in the org by code). BEARER: the static
    // inbound bearer secret (either column). MTLS: mtls_cert_ref is matched against the client
    // certificate; mtls_key_ref is for the agent's own outbound mTLS to upstreams.
    bearerSecretRef: text('bearer_secret_ref'),
    inboundSecretRef: text('inbound_secret_ref'),
    mtlsCertRef: text('mtls_cert_ref'),
    mtlsKeyRef: text('mtls_key_ref'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('agents_org_env_name_unique').on(t.organizationId, t.environmentId, t.name),
    uniqueIndex('agents_org_env_slug_unique').on(
      t.organizationId,
      t.environmentId,
      sql`lower(${t.slug})`,
    ),
    // Agent ||--o| ServiceAccount: a service account speaks for at most one agent.
    uniqueIndex('agents_service_account_unique').on(t.serviceAccountId),
    // Target of issued_tokens' composite FK (a token's org is its agent's org). A constraint
    // rather than a unique index so it exists before the migration adds the FK.
    unique('agents_org_id_unique').on(t.organizationId, t.id),
    foreignKey({
      name: 'agents_org_env_fk',
      columns: [t.organizationId, t.environmentId],
      foreignColumns: [environments.organizationId, environments.id],
    }).onDelete('cascade'),
    check('agents_mode_check', sql`${t.mode} in (${sqlList(AGENT_MODES)})`),
    check(
      'agents_inbound_auth_method_check',
      sql`${t.inboundAuthMethod} in (${sqlList(AGENT_INBOUND_AUTH_METHODS)})`,
    ),
    check('agents_runner_connection_check', sql`${t.mode} <> 'RUNNER' or ${t.connectionId} is not null`),
    // Empty strings count as missing.
    check(
      'agents_bearer_secret_check',
      sql`${t.inboundAuthMethod} <> 'BEARER' or coalesce(${t.bearerSecretRef}, '') <> '' or coalesce(${t.inboundSecretRef}, '') <> ''`,
    ),
    check(
      'agents_mtls_refs_check',
      sql`${t.inboundAuthMethod} <> 'MTLS' or (coalesce(${t.mtlsCertRef}, '') <> '' and coalesce(${t.mtlsKeyRef}, '') <> '')`,
    ),
  ],
);

export type Agent = typeof agents.$inferSelect;
export type NewAgent = typeof agents.$inferInsert;

// Platform JWTs issued to agents. The token itself is not stored; jti identifies it for
// revocation checks.
export const issuedTokens = pgTable(
  'issued_tokens',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    revokedById: uuid('revoked_by_id').references(() => users.id, { onDelete: 'set null' }),
    jti: text('jti').notNull().unique('issued_tokens_jti_unique'),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
    scopes: jsonb('scopes').$type<string[]>().notNull().default([]),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    // Revocation is the one edit a token sees.
    updatedAt: updatedAt(),
  },
  (t) => [
    index('issued_tokens_agent_idx').on(t.agentId),
    index('issued_tokens_org_created_idx').on(t.organizationId, t.createdAt),
    // organization_id is denormalised for org-scoped queries; this keeps it equal to the agent's.
    foreignKey({
      name: 'issued_tokens_org_agent_fk',
      columns: [t.organizationId, t.agentId],
      foreignColumns: [agents.organizationId, agents.id],
    }).onDelete('cascade'),
  ],
);

export type IssuedToken = typeof issuedTokens.$inferSelect;
export type NewIssuedToken = typeof issuedTokens.$inferInsert;
