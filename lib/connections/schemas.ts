// Request bodies of the connection endpoints (REST and console).
import { z } from 'zod';

export const CONNECTION_TRANSPORTS = ['streamable_http', 'sse', 'websocket', 'stdio'] as const;
export type ConnectionTransport = (typeof CONNECTION_TRANSPORTS)[number];
export const CONNECTION_AUTH_METHODS = ['none', 'bearer'] as const;

// Connection names appear in policy targets `tool:<connection>/<tool>` (API-NOTES).
export const connectionName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'Use 1–128 letters, digits, dots, dashes or underscores')
  // `system` names the built-in tools (tool:system/echo, …): no connection may take it.
  .refine((name) => name.toLowerCase() !== 'system', 'The name "system" is reserved for the built-in tools');

export const endpointUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((v) => {
    try {
      const u = new URL(v);
      return ['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol) && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'Use an http(s):// or ws(s):// URL without credentials in it (store those as a secret)');

const fields = {
  name: connectionName,
  endpoint: endpointUrl.nullable(),
  transport: z.enum(CONNECTION_TRANSPORTS).nullable(),
  auth_method: z.enum(CONNECTION_AUTH_METHODS),
  secret_ref: z.uuid('Must be a secret ref').nullable(),
  mcp_server_registration_id: z.uuid('Must be a registration id').nullable(),
  enabled: z.boolean(),
};

export const createConnectionSchema = z.strictObject({
  environment_id: z.uuid('Must be an environment id'),
  name: fields.name,
  endpoint: fields.endpoint.optional(),
  transport: fields.transport.optional(),
  auth_method: fields.auth_method.default('none'),
  secret_ref: fields.secret_ref.optional(),
  mcp_server_registration_id: fields.mcp_server_registration_id.optional(),
  enabled: fields.enabled.default(true),
});

export const replaceConnectionSchema = z.strictObject(fields);
export const patchConnectionSchema = z.strictObject(fields).partial();

export const connectionFiltersSchema = z.object({
  environment_id: z.uuid().optional(),
  status: z.string().max(32).optional(),
  enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export type CreateConnectionInput = z.output<typeof createConnectionSchema>;
export type PatchConnectionInput = z.output<typeof patchConnectionSchema>;
export type ConnectionFilters = z.output<typeof connectionFiltersSchema>;
