// Request bodies of the organization, environment and membership endpoints (REST and console).
import { z } from 'zod';
import { ENVIRONMENT_TYPES } from '@/db/schema';
import { email } from '@/lib/accounts/schemas';
import { ROLES } from '@/lib/auth/rbac';

const orgName = z.string().trim().min(1, 'Required').max(150);
const envName = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'Use letters, digits, spaces, dots, dashes and underscores');

export const createOrganizationSchema = z.strictObject({ name: orgName });
export const updateOrganizationSchema = z.strictObject({ name: orgName });
export const patchOrganizationSchema = updateOrganizationSchema.partial();

export const environmentType = z.enum(ENVIRONMENT_TYPES);
export const createEnvironmentSchema = z.strictObject({ name: envName, type: environmentType.default('development') });
export const updateEnvironmentSchema = z.strictObject({ name: envName, type: environmentType });
export const patchEnvironmentSchema = updateEnvironmentSchema.partial();

export const role = z.enum(ROLES);
export const addMemberSchema = z.strictObject({ email, role: role.default('member') });
export const changeMemberSchema = z.strictObject({ role });
/** POST /api/v1/auth/me/orgs/: add someone (by email) to an organization the caller administers. */
export const addToOrganizationSchema = z.strictObject({
  organization_id: z.uuid('Must be an organization id'),
  email,
  role: role.default('member'),
});

export type CreateOrganizationInput = z.output<typeof createOrganizationSchema>;
export type PatchOrganizationInput = z.output<typeof patchOrganizationSchema>;
export type CreateEnvironmentInput = z.output<typeof createEnvironmentSchema>;
export type PatchEnvironmentInput = z.output<typeof patchEnvironmentSchema>;
export type AddMemberInput = z.output<typeof addMemberSchema>;
