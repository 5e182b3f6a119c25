// Service account forms: text → the API's input, validated by the API's own schemas.
import { z } from 'zod';
import { createServiceAccountSchema, patchServiceAccountSchema } from '@/lib/agents/schemas';
import { fromForm } from '../agents/form-schemas';

export const createServiceAccountForm = z.preprocess(
  (raw) => fromForm(raw, { scopesTo: 'scope_allowlist', blankAbsent: ['audience'], blankNull: ['environment_id'] }),
  createServiceAccountSchema,
);

export const editServiceAccountForm = z.preprocess(
  (raw) => fromForm(raw, { scopesTo: 'scope_allowlist', blankNull: ['environment_id'] }),
  patchServiceAccountSchema.extend({ service_account_id: z.string() }),
);

export const serviceAccountEnabledForm = z.strictObject({
  service_account_id: z.string(),
  enabled: z.enum(['true', 'false']).transform((v) => v === 'true'),
});
