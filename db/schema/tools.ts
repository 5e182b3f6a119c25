// Tools synced from a connection. Identity is per connection (API-NOTES "Tools and names"):
// targets are `tool:<connection>/<name>`, so two connections may both offer `echo`.
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, ts, updatedAt } from './_columns';
import { NAME_PATTERN, sqlList } from './_sql';
import { connections } from './connections';
import { environments, organizations } from './tenancy';

export const TOOL_SYNC_STATUSES = [
  'synced',
  'stale', // vanished upstream
  'invalid_schema',
  'invalid_name', // upstream name does not match NAME_PATTERN; stored disabled
  'pending_review', // definition changed upstream since it was approved
  'failed',
] as const;
export type ToolSyncStatus = (typeof TOOL_SYNC_STATUSES)[number];

// Where a tool came from: a sync of its connection (its definition is the upstream's, changed only
// through sync and review), or the Tools API (a member's hand-written entry, never touched by sync).
export const TOOL_ORIGINS = ['sync', 'manual'] as const;
export type ToolOrigin = (typeof TOOL_ORIGINS)[number];

export const tools = pgTable(
  'tools',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    environmentId: uuid('environment_id').notNull(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    version: text('version').notNull().default('1.0.0'),
    // The tool's input JSON Schema; run inputs are validated against it.
    schemaJson: jsonb('schema_json').$type<Record<string, unknown>>().notNull().default({}),
    description: text('description'),
    // MCP tool annotations (readOnlyHint, destructiveHint, …) and the optional output schema, as
    // approved: part of the definition whose hash is definition_hash.
    annotations: jsonb('annotations').$type<Record<string, unknown>>().notNull().default({}),
    outputSchema: jsonb('output_schema').$type<Record<string, unknown>>(),
    enabled: boolean('enabled').notNull().default(true),
    // Per-tool rate limit (token bucket per agent+tool); null: RATE_LIMIT_CAPACITY / _REFILL_PER_SEC.
    rateLimitCapacity: integer('rate_limit_capacity'),
    rateLimitRefillPerSec: doublePrecision('rate_limit_refill_per_sec'),
    origin: text('origin').$type<ToolOrigin>().notNull().default('sync'),
    syncStatus: text('sync_status').$type<ToolSyncStatus>().notNull().default('synced'),
    syncedAt: ts('synced_at'),
    // Hash of the approved definition (name, description, schema); a sync that sees a different
    // hash moves the tool to pending_review instead of silently changing what agents may call.
    definitionHash: text('definition_hash'),
    // The upstream definition a sync saw that differs from the approved one, waiting for an admin
    // ({description, inputSchema, outputSchema, annotations}); null when nothing is pending.
    pendingDefinition: jsonb('pending_definition').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // Per API-NOTES, not the spec's (organization, environment, name, version).
    uniqueIndex('tools_connection_name_version_unique').on(t.connectionId, t.name, t.version),
    index('tools_org_env_name_idx').on(t.organizationId, t.environmentId, t.name),
    // The environment must belong to the same organization...
    foreignKey({
      name: 'tools_org_env_fk',
      columns: [t.organizationId, t.environmentId],
      foreignColumns: [environments.organizationId, environments.id],
    }).onDelete('cascade'),
    // ...and the tool lives in its connection's organization and environment.
    foreignKey({
      name: 'tools_org_env_connection_fk',
      columns: [t.organizationId, t.environmentId, t.connectionId],
      foreignColumns: [connections.organizationId, connections.environmentId, connections.id],
    }).onDelete('cascade'),
    check('tools_rate_limit_check', sql`(${t.rateLimitCapacity} is null or ${t.rateLimitCapacity} >= 1) and (${t.rateLimitRefillPerSec} is null or ${t.rateLimitRefillPerSec} >= 0)`),
    check('tools_origin_check', sql`${t.origin} in (${sqlList(TOOL_ORIGINS)})`),
    check('tools_sync_status_check', sql`${t.syncStatus} in (${sqlList(TOOL_SYNC_STATUSES)})`),
    // Bad upstream names are stored (as invalid_name), but a runnable (synced) tool always has a
    // name that can appear in a policy target.
    check(
      'tools_synced_name_check',
      sql`${t.syncStatus} <> 'synced' or ${t.name} ~ ${sql.raw(`'${NAME_PATTERN}'`)}`,
    ),
  ],
);

export type Tool = typeof tools.$inferSelect;
export type NewTool = typeof tools.$inferInsert;
