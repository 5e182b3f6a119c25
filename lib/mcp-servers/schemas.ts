// Request bodies of the MCP server registry endpoints (/api/v1/orgs/{org_id}/mcp/servers/…).
import { z } from 'zod';
import { endpointUrl } from '@/lib/connections/schemas';
import { slugify } from '@/lib/slug';
import { MCP_SERVER_TYPES } from '@/db/schema';

export const MCP_SERVER_AUTH_METHODS = ['none', 'bearer'] as const;

export const SLUG = /^[a-z0-9][a-z0-9_-]{0,127}$/;

/** A registration's default slug from its name (max 128, as SLUG allows). */
export const slugFromName = (name: string): string => slugify(name, 128) || 'server';

// The same URL rules as a connection's endpoint (scheme, no credentials in the URL).
const remoteUrl = endpointUrl;

const fields = {
  name: z.string().trim().min(1, 'Required').max(200),
  slug: z.string().trim().regex(SLUG, 'Use 1–128 lower-case letters, digits, dashes or underscores, starting with a letter or digit'),
  description: z.string().max(4000).nullable(),
  server_type: z.enum(MCP_SERVER_TYPES),
  endpoint: remoteUrl.nullable(),
  command: z.string().trim().min(1, 'Required').max(1024).nullable(),
  args: z.array(z.string().max(4096)).max(100),
  env_vars: z.record(z.string().max(256), z.string()),
  auth_method: z.enum(MCP_SERVER_AUTH_METHODS),
  secret_ref: z.uuid('Must be a secret ref').nullable(),
  enabled: z.boolean(),
  tags: z.array(z.string().trim().min(1).max(64)).max(50),
  metadata: z.record(z.string(), z.unknown()),
};

export const createMcpServerSchema = z.strictObject({
  environment_id: z.uuid('Must be an environment id'),
  name: fields.name,
  slug: fields.slug.optional(),
  description: fields.description.optional(),
  server_type: fields.server_type,
  endpoint: fields.endpoint.optional(),
  command: fields.command.optional(),
  args: fields.args.default([]),
  env_vars: fields.env_vars.default({}),
  auth_method: fields.auth_method.default('none'),
  secret_ref: fields.secret_ref.optional(),
  enabled: fields.enabled.default(true),
  tags: fields.tags.default([]),
  metadata: fields.metadata.default({}),
});

/** PUT: a full replacement — what is left out takes its default (the slug stays as it is). */
export const replaceMcpServerSchema = z.strictObject({
  name: fields.name,
  slug: fields.slug.optional(),
  description: fields.description.default(null),
  server_type: fields.server_type,
  endpoint: fields.endpoint.default(null),
  command: fields.command.default(null),
  args: fields.args.default([]),
  env_vars: fields.env_vars.default({}),
  auth_method: fields.auth_method.default('none'),
  secret_ref: fields.secret_ref.default(null),
  enabled: fields.enabled.default(true),
  tags: fields.tags.default([]),
  metadata: fields.metadata.default({}),
});

export const patchMcpServerSchema = z.strictObject(fields).partial();

export const mcpServerFiltersSchema = z.object({
  environment_id: z.uuid().optional(),
  server_type: z.enum(MCP_SERVER_TYPES).optional(),
  enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export type CreateMcpServerInput = z.output<typeof createMcpServerSchema>;
export type PatchMcpServerInput = z.output<typeof patchMcpServerSchema>;
export type McpServerFilters = z.output<typeof mcpServerFiltersSchema>;
