// MCP extensions: registered upstream MCP servers, the GitHub-backed MCP Hub catalogue, and the
// resources and prompt templates the gateway serves to agents.
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
import { createdAt, id, ts, updatedAt } from './_columns';
import { sqlList } from './_sql';
import { environments, organizations } from './tenancy';

export const MCP_SERVER_TYPES = ['stdio', 'http', 'ws'] as const;
export type McpServerType = (typeof MCP_SERVER_TYPES)[number];

export const mcpServerRegistrations = pgTable(
  'mcp_server_registrations',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    environmentId: uuid('environment_id').notNull(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    description: text('description'),
    serverType: text('server_type').$type<McpServerType>().notNull(),
    // http/ws: the server URL. stdio: unused.
    endpoint: text('endpoint'),
    // stdio: the executable (checked against MCP_STDIO_ALLOWED_COMMANDS by code) and its args.
    command: text('command'),
    args: jsonb('args').$type<string[]>().notNull().default([]),
    // Environment for a stdio child process; values may be secret refs resolved at spawn time.
    envVars: jsonb('env_vars').$type<Record<string, string>>().notNull().default({}),
    authMethod: text('auth_method').notNull().default('none'),
    secretRef: text('secret_ref'),
    enabled: boolean('enabled').notNull().default(true),
    lastHealthCheck: ts('last_health_check'),
    healthStatus: text('health_status').notNull().default('unknown'),
    healthMessage: text('health_message'),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // The spec's ER diagram marks slug globally unique, its constraint list says per org+env;
    // the constraint list wins (two tenants may both call a server "github").
    uniqueIndex('mcp_servers_org_env_slug_unique').on(t.organizationId, t.environmentId, t.slug),
    // The environment must belong to the same organization.
    foreignKey({
      name: 'mcp_servers_org_env_fk',
      columns: [t.organizationId, t.environmentId],
      foreignColumns: [environments.organizationId, environments.id],
    }).onDelete('cascade'),
    check('mcp_servers_server_type_check', sql`${t.serverType} in (${sqlList(MCP_SERVER_TYPES)})`),
    check(
      'mcp_servers_stdio_command_check',
      sql`${t.serverType} <> 'stdio' or coalesce(${t.command}, '') <> ''`,
    ),
    check(
      'mcp_servers_remote_endpoint_check',
      sql`${t.serverType} not in ('http', 'ws') or coalesce(${t.endpoint}, '') <> ''`,
    ),
  ],
);

export type McpServerRegistration = typeof mcpServerRegistrations.$inferSelect;
export type NewMcpServerRegistration = typeof mcpServerRegistrations.$inferInsert;

// Global catalogue (not org-scoped), keyed by the GitHub repository id so renames keep the row.
export const mcpHubServers = pgTable(
  'mcp_hub_servers',
  {
    // GitHub ids fit comfortably in a JS number (< 2^53).
    githubId: bigint('github_id', { mode: 'number' }).primaryKey(),
    fullName: text('full_name').notNull().unique('mcp_hub_servers_full_name_unique'),
    name: text('name').notNull(),
    description: text('description'),
    htmlUrl: text('html_url').notNull(),
    stargazersCount: integer('stargazers_count').notNull().default(0),
    forksCount: integer('forks_count').notNull().default(0),
    language: text('language'),
    topics: jsonb('topics').$type<string[]>().notNull().default([]),
    ownerLogin: text('owner_login').notNull().default(''),
    ownerAvatarUrl: text('owner_avatar_url'),
    updatedAtGithub: ts('updated_at_github'),
    lastSyncedAt: ts('last_synced_at'),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // The hub is browsed most-starred first.
  (t) => [index('mcp_hub_servers_active_stars_idx').on(t.isActive, t.stargazersCount.desc())],
);

export type McpHubServer = typeof mcpHubServers.$inferSelect;
export type NewMcpHubServer = typeof mcpHubServers.$inferInsert;

export const RESOURCE_TYPES = ['static', 'http', 'sql', 's3', 'file'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const resources = pgTable(
  'resources',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    environmentId: uuid('environment_id').notNull(),
    name: text('name').notNull(),
    type: text('type').$type<ResourceType>().notNull().default('static'),
    // Type-specific settings (URL, query, bucket/key, path, or inline content for static).
    configJson: jsonb('config_json').$type<Record<string, unknown>>().notNull().default({}),
    mimeType: text('mime_type').notNull().default('application/json'),
    schemaJson: jsonb('schema_json').$type<Record<string, unknown>>(),
    secretRef: text('secret_ref'),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('resources_org_env_name_unique').on(t.organizationId, t.environmentId, t.name),
    foreignKey({
      name: 'resources_org_env_fk',
      columns: [t.organizationId, t.environmentId],
      foreignColumns: [environments.organizationId, environments.id],
    }).onDelete('cascade'),
    check('resources_type_check', sql`${t.type} in (${sqlList(RESOURCE_TYPES)})`),
  ],
);

export type Resource = typeof resources.$inferSelect;
export type NewResource = typeof resources.$inferInsert;

export const prompts = pgTable(
  'prompts',
  {
    id: id(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    environmentId: uuid('environment_id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    // JSON Schema of the prompt's arguments.
    inputSchema: jsonb('input_schema').$type<Record<string, unknown>>().notNull().default({}),
    templateSystem: text('template_system').notNull().default(''),
    templateUser: text('template_user').notNull().default(''),
    // Names of resources (same org+env) the templates may pull in.
    usesResources: jsonb('uses_resources').$type<string[]>().notNull().default([]),
    outputHints: jsonb('output_hints').$type<Record<string, unknown>>().notNull().default({}),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('prompts_org_env_name_unique').on(t.organizationId, t.environmentId, t.name),
    foreignKey({
      name: 'prompts_org_env_fk',
      columns: [t.organizationId, t.environmentId],
      foreignColumns: [environments.organizationId, environments.id],
    }).onDelete('cascade'),
  ],
);

export type Prompt = typeof prompts.$inferSelect;
export type NewPrompt = typeof prompts.$inferInsert;
