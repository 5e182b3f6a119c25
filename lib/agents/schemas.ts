// Request bodies and query parameters of the agent, agent-token and service-account endpoints
// (REST, server actions and, later, MCP). Only zod and table constants here: console components may
// import this file.
import { z } from 'zod';
import { AGENT_INBOUND_AUTH_METHODS, AGENT_MODES } from '@/db/schema';

// What an agent token may be used for. Each agent-facing surface names the scope it needs.
export const AGENT_TOKEN_SCOPES = ['mcp', 'runs.execute', 'agents.me'] as const;
export type AgentTokenScope = (typeof AGENT_TOKEN_SCOPES)[number];

export const AGENT_TOKEN_SCOPE_DESCRIPTIONS: Record<AgentTokenScope, string> = {
  mcp: 'Use the MCP fabric (list and call tools, read resources, get prompts)',
  'runs.execute': 'Run tools through POST /api/v1/orgs/{org_id}/runs/execute/',
  'agents.me': 'Read its own identity at GET /api/v1/agents/me',
};

/** Known scopes, without duplicates, in the canonical order of AGENT_TOKEN_SCOPES. */
const scopeList = z
  .array(z.enum(AGENT_TOKEN_SCOPES, `Unknown scope; known scopes: ${AGENT_TOKEN_SCOPES.join(', ')}`))
  .transform((list) => AGENT_TOKEN_SCOPES.filter((s) => list.includes(s)));

const id = (what: string) => z.uuid(`Must be the id of ${what}`);

/** A secret ref (the id of a stored secret) or null; an empty string means "none". */
const secretRef = z.preprocess(
  (v) => (v === '' ? null : v),
  z.uuid('Must be a secret ref (the id of a stored secret)').nullable(),
);

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullable()
    .transform((v) => (v === '' ? null : v));

const jsonObject = z.record(z.string(), z.unknown());

// ---- agents ----------------------------------------------------------------------------------

export const agentName = z.string().trim().min(1, 'Required').max(128);
export const agentSlug = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'Use letters, digits, dashes and underscores, starting with a letter or digit');

const agentFields = {
  environment_id: id('an environment of this organization'),
  connection_id: id('a connection').nullable(),
  service_account_id: id('a service account').nullable(),
  name: agentName,
  slug: agentSlug,
  description: optionalText(2000),
  mode: z.enum(AGENT_MODES),
  inbound_auth_method: z.enum(AGENT_INBOUND_AUTH_METHODS),
  enabled: z.boolean(),
  capabilities: jsonObject,
  tags: z
    .array(z.string().trim().min(1, 'Empty tag').max(64))
    .max(50)
    .transform((tags) => [...new Set(tags)]),
  bearer_secret_ref: secretRef,
  inbound_secret_ref: secretRef,
  mtls_cert_ref: secretRef,
  mtls_key_ref: secretRef,
};

/** POST creates and PUT replaces: everything but environment_id and name has a default. */
export const createAgentSchema = z.strictObject({
  environment_id: agentFields.environment_id,
  name: agentFields.name,
  // Absent: derived from the name.
  slug: agentFields.slug.optional(),
  connection_id: agentFields.connection_id.default(null),
  service_account_id: agentFields.service_account_id.default(null),
  description: agentFields.description.default(null),
  // The table's default; a RUNNER needs connection_id.
  mode: agentFields.mode.default('RUNNER'),
  // NONE = platform JWTs only, the narrowest choice.
  inbound_auth_method: agentFields.inbound_auth_method.default('NONE'),
  enabled: agentFields.enabled.default(true),
  capabilities: agentFields.capabilities.default({}),
  tags: agentFields.tags.default([]),
  bearer_secret_ref: agentFields.bearer_secret_ref.default(null),
  inbound_secret_ref: agentFields.inbound_secret_ref.default(null),
  mtls_cert_ref: agentFields.mtls_cert_ref.default(null),
  mtls_key_ref: agentFields.mtls_key_ref.default(null),
});
export const updateAgentSchema = createAgentSchema;
export const patchAgentSchema = z.strictObject(agentFields).partial();

/** ?environment_id=&mode=&enabled=&search= on the agent list (other parameters are ignored). */
export const agentFiltersSchema = z.object({
  environment_id: id('an environment').optional(),
  mode: z.enum(AGENT_MODES).optional(),
  enabled: z
    .enum(['true', 'false', '1', '0'], 'Use true or false')
    .transform((v) => v === 'true' || v === '1')
    .optional(),
  search: z.string().trim().max(128).optional(),
});

export type CreateAgentInput = z.output<typeof createAgentSchema>;
export type PatchAgentInput = z.output<typeof patchAgentSchema>;
export type AgentFilters = z.output<typeof agentFiltersSchema>;

// ---- agent tokens ----------------------------------------------------------------------------

export const issueTokenSchema = z.strictObject({
  // Upper bound AGENT_TOKEN_MAX_TTL_SECONDS is a setting, checked by the service.
  ttl_seconds: z.number().int().min(60, 'At least 60 seconds').optional(),
  // Absent: every scope the agent's service account allows.
  scopes: scopeList.refine((s) => s.length > 0, 'Name at least one scope').optional(),
  // A label shown in token lists (stored in metadata.name).
  name: z.string().trim().min(1).max(128).optional(),
  metadata: jsonObject
    .refine((m) => JSON.stringify(m).length <= 4096, 'At most 4 KiB of metadata')
    .optional(),
});

export type IssueTokenInput = z.output<typeof issueTokenSchema>;

// ---- service accounts ------------------------------------------------------------------------

const serviceAccountFields = {
  // Null: usable in every environment of the organization.
  environment_id: id('an environment of this organization').nullable(),
  name: z.string().trim().min(1, 'Required').max(128),
  subject: z.string().trim().min(1, 'Required').max(255),
  issuer: z.string().trim().min(1, 'Required').max(512),
  // Absent on create/replace: the platform's own audience (lib/auth/agent-jwt.ts).
  audience: z.string().trim().min(1, 'Required').max(255),
  credential_ref: secretRef,
  // Empty: tokens may carry any scope.
  scope_allowlist: scopeList,
  enabled: z.boolean(),
};

export const createServiceAccountSchema = z.strictObject({
  name: serviceAccountFields.name,
  subject: serviceAccountFields.subject,
  issuer: serviceAccountFields.issuer,
  audience: serviceAccountFields.audience.optional(),
  environment_id: serviceAccountFields.environment_id.default(null),
  credential_ref: serviceAccountFields.credential_ref.default(null),
  scope_allowlist: serviceAccountFields.scope_allowlist.default([]),
  enabled: serviceAccountFields.enabled.default(true),
});
export const updateServiceAccountSchema = createServiceAccountSchema;
export const patchServiceAccountSchema = z.strictObject(serviceAccountFields).partial();

export type CreateServiceAccountInput = z.output<typeof createServiceAccountSchema>;
export type PatchServiceAccountInput = z.output<typeof patchServiceAccountSchema>;

// ---- create-axcore ---------------------------------------------------------------------------

/**
 * An agent with everything it needs in one call: the agent's own fields (it gets a new service
 * account, so no service_account_id; it gets a token, so it is enabled), the new service
 * account's scope allowlist, and the options of its first token.
 */
export const createAxcoreSchema = createAgentSchema
  .omit({ service_account_id: true, enabled: true })
  .extend({
    scope_allowlist: serviceAccountFields.scope_allowlist.default([]),
    token: issueTokenSchema.default({}),
  });

export type CreateAxcoreInput = z.output<typeof createAxcoreSchema>;
