// Console forms send text; the connection services take the API's shapes. These schemas turn one
// into the other, then validate with the API's own schemas (lib/connections/schemas.ts), so the
// console refuses what REST refuses, with messages keyed by the same field names.
import { z } from 'zod';
import { createConnectionSchema, patchConnectionSchema, type CreateConnectionInput } from '@/lib/connections/schemas';

/** Empty text: left out (the API's default applies) or null, per field. */
function fromForm(raw: unknown, blankAbsent: string[], blankNull: string[]): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const blank = typeof value === 'string' && value.trim() === '';
    if (blank && blankAbsent.includes(key)) continue;
    out[key] = blank && blankNull.includes(key) ? null : value;
  }
  return out;
}

const enabledText = z.enum(['true', 'false']).transform((v) => v === 'true');

/** The create form's two ways to reach a server; the fields of the other way are not sent on. */
export const CONNECTION_REACH = ['url', 'registration'] as const;

const URL_FIELDS = ['endpoint', 'transport', 'auth_method', 'secret_ref'];

function byReach(raw: unknown): unknown {
  const input = fromForm(raw, ['transport', 'secret_ref'], []);
  if (!input || typeof input !== 'object') return input;
  const { reach = 'url', ...rest } = input as Record<string, unknown>;
  const drop = reach === 'registration' ? URL_FIELDS : ['mcp_server_registration_id'];
  return { reach, ...Object.fromEntries(Object.entries(rest).filter(([key]) => !drop.includes(key))) };
}

// By URL: transport "" is "auto" (the service derives it from the URL). Through a registration:
// the registration says how it is reached and with which credentials.
export const createConnectionForm = z
  .preprocess(
    byReach,
    z.discriminatedUnion('reach', [
      createConnectionSchema.omit({ mcp_server_registration_id: true }).extend({ reach: z.literal('url') }),
      createConnectionSchema.pick({ environment_id: true, name: true, auth_method: true, enabled: true }).extend({
        reach: z.literal('registration'),
        mcp_server_registration_id: z
          .string({ error: 'Choose a registered MCP server' })
          .min(1, 'Choose a registered MCP server')
          .pipe(createConnectionSchema.shape.mcp_server_registration_id.unwrap().unwrap()),
      }),
    ], { error: 'Choose how the gateway reaches the server' }),
  )
  .transform((input): CreateConnectionInput => {
    const apiInput: Partial<typeof input> = { ...input };
    delete apiInput.reach;
    return apiInput as CreateConnectionInput;
  });

export const editConnectionForm = z.preprocess(
  (raw) => fromForm(raw, ['secret_ref'], ['transport']),
  patchConnectionSchema.pick({ name: true, endpoint: true, transport: true, auth_method: true, secret_ref: true }).extend({ connection_id: z.string() }),
);

export const connectionEnabledForm = z.strictObject({ connection_id: z.string(), enabled: enabledText });
export const connectionRefForm = z.strictObject({ connection_id: z.string() });
