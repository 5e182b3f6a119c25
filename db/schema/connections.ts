// Connections: one upstream MCP endpoint per row, the source that tools are synced from.
import { sql } from 'drizzle-orm';
import { boolean, check, foreignKey, jsonb, pgTable, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './_columns';
import { NAME_PATTERN } from './_sql';
import { mcpServerRegistrations } from './mcp';
import { environments, organizations } from './tenancy';

export const connections = pgTable(
  'connections',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    environmentId: uuid('environment_id').notNull(),
    name: text('name').notNull(),
    // URL of an http/ws upstream; null when the connection goes through a stdio registration.
    endpoint: text('endpoint'),
    authMethod: text('auth_method').notNull().default('none'),
    secretRef: text('secret_ref'),
    // Set when the connection was created from a registered MCP server; the connection outlives
    // the registration (its synced tools stay, marked stale by the next sync).
    mcpServerRegistrationId: uuid('mcp_server_registration_id').references(
      () => mcpServerRegistrations.id,
      { onDelete: 'set null' },
    ),
    transport: text('transport'),
    // The switch that stops every tool of the connection at once.
    enabled: boolean('enabled').notNull().default(true),
    status: text('status').notNull().default('unknown'),
    // What the last test or sync learned (server info, protocol version, error message).
    statusDetail: jsonb('status_detail').$type<Record<string, unknown>>().notNull().default({}),
    lastSeenAt: ts('last_seen_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('connections_org_env_name_unique').on(t.organizationId, t.environmentId, t.name),
    // Target of tools' composite FK, which pins a tool to its connection's org and environment.
    // A constraint rather than a unique index so it exists before the migration adds the FK.
    unique('connections_org_env_id_unique').on(t.organizationId, t.environmentId, t.id),
    // The environment must belong to the same organization.
    foreignKey({
      name: 'connections_org_env_fk',
      columns: [t.organizationId, t.environmentId],
      foreignColumns: [environments.organizationId, environments.id],
    }).onDelete('cascade'),
    // The name is the first half of policy targets `tool:<connection>/<tool>`.
    check('connections_name_check', sql`${t.name} ~ ${sql.raw(`'${NAME_PATTERN}'`)}`),
  ],
);

export type Connection = typeof connections.$inferSelect;
export type NewConnection = typeof connections.$inferInsert;
