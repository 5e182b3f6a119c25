// Console forms send text; the connection services take the API's shapes. These schemas turn one
// into the other, then validate with the API's own schemas (lib/connections/schemas.ts), so the
// console refuses what REST refuses, with messages keyed by the same field names.
import { z } from 'zod';
import { createConnectionSchema, patchConnectionSchema } from '@/lib/connections/schemas';

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

// transport "" is "auto": the service derives it from the URL.
export const createConnectionForm = z.preprocess(
  (raw) => fromForm(raw, ['transport', 'secret_ref'], []),
  createConnectionSchema.omit({ mcp_server_registration_id: true }),
);

export const editConnectionForm = z.preprocess(
  (raw) => fromForm(raw, ['secret_ref'], ['transport']),
  patchConnectionSchema.pick({ name: true, endpoint: true, transport: true, auth_method: true, secret_ref: true }).extend({ connection_id: z.string() }),
);

export const connectionEnabledForm = z.strictObject({ connection_id: z.string(), enabled: enabledText });
export const connectionRefForm = z.strictObject({ connection_id: z.string() });
