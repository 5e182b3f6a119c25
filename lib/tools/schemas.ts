// Request bodies and filters of the Tools API.
import { z } from 'zod';
import { TOOL_SYNC_STATUSES } from '@/db/schema';

// Tool names appear in policy targets `tool:<connection>/<name>` (API-NOTES "Tools and names").
export const toolName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'Use 1–128 letters, digits, dots, dashes or underscores');

const jsonObject = z.record(z.string(), z.unknown());

const fields = {
  name: toolName,
  version: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_.+-]+$/, 'Use letters, digits, dots, dashes, pluses or underscores'),
  // Checked as a JSON Schema by the service (lib/tools/schema-check.ts).
  schema_json: jsonObject,
  description: z.string().max(10_000).nullable(),
  enabled: z.boolean(),
};

export const createToolSchema = z.strictObject({
  connection_id: z.uuid('Must be a connection id'),
  name: fields.name,
  version: fields.version.default('1.0.0'),
  schema_json: fields.schema_json.default(() => ({ type: 'object', properties: {} })),
  description: fields.description.default(null),
  enabled: fields.enabled.default(true),
});

// The tool's own rate limit (a token bucket per agent and this tool); null: the instance default
// (RATE_LIMIT_CAPACITY, RATE_LIMIT_REFILL_PER_SEC). Settable on synced tools too, like enabled.
const rateLimitFields = {
  rate_limit_capacity: z.int('Must be a whole number').min(1).max(1_000_000).nullable(),
  rate_limit_refill_per_sec: z.number('Must be a number').min(0).max(1_000_000).nullable(),
};

export const replaceToolSchema = z.strictObject({ ...fields, ...rateLimitFields }).partial({ rate_limit_capacity: true, rate_limit_refill_per_sec: true });
export const patchToolSchema = z.strictObject({ ...fields, ...rateLimitFields }).partial();

export const approveToolSchema = z.strictObject({
  // The hash of the pending definition the admin reviewed: if a later sync replaced it, 409.
  definition_hash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});

export const toolFiltersSchema = z.object({
  connection_id: z.uuid().optional(),
  environment_id: z.uuid().optional(),
  sync_status: z.enum(TOOL_SYNC_STATUSES).optional(),
  enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  search: z.string().trim().min(1).max(200).optional(),
});

export type CreateToolInput = z.output<typeof createToolSchema>;
export type PatchToolInput = z.output<typeof patchToolSchema>;
export type ApproveToolInput = z.output<typeof approveToolSchema>;
export type ToolFilters = z.output<typeof toolFiltersSchema>;
