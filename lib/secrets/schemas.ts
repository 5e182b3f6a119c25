// Inputs of the secret store (REST and console). Messages never repeat the submitted value.
import { z } from 'zod';

/** The largest value the store takes, in bytes of UTF-8. */
export const MAX_SECRET_BYTES = 64 * 1024;

const secretValue = z
  .string('Must be a string')
  .min(1, 'Required')
  .refine((v) => Buffer.byteLength(v, 'utf8') <= MAX_SECRET_BYTES, `Must be at most ${MAX_SECRET_BYTES / 1024} KiB`);

const secretName = z.preprocess(
  (v) => (v === '' || v === null ? undefined : v),
  z.string('Must be a string').trim().min(1, 'Required').max(120).optional(),
);

/** POST /api/v1/orgs/{org_id}/connections/store-secret/ */
export const storeSecretSchema = z.strictObject({ value: secretValue, name: secretName });

export type StoreSecretInput = z.output<typeof storeSecretSchema>;
