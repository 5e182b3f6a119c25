'use server';
// Organization-level console actions that are not inside one organization yet: create one,
// switch between them, and pick the environment the console works in.
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { orgAction, userAction } from '@/lib/auth/org-action';
import { isUuid } from '@/lib/tenancy/access';
import { createOrganization } from '@/lib/tenancy/organizations';
import { createOrganizationSchema } from '@/lib/tenancy/schemas';
import { selectEnvironment } from '@/lib/tenancy/selected-environment';

export const createOrganizationAction = userAction(createOrganizationSchema, createOrganization, {
  redirectTo: (org) => `/orgs/${org.id}`,
});

/** The org-scoped areas a switch keeps you in (the same area of the other organization). */
const SECTIONS = new Set(['environments', 'connections', 'mcp-servers', 'tools', 'agents', 'policies', 'runs', 'service-accounts', 'members', 'secrets', 'audit']);

/**
 * Only computes a URL of ours and goes there; it reads and changes nothing, and the page at the
 * destination checks membership like any other request.
 */
export async function switchOrganizationAction(form: FormData): Promise<void> {
  const orgId = form.get('org_id');
  const section = form.get('section');
  if (!isUuid(orgId)) redirect('/orgs');
  redirect(`/orgs/${orgId}${typeof section === 'string' && SECTIONS.has(section) ? `/${section}` : ''}`);
}

export const selectEnvironmentAction = orgAction(
  'env.read',
  z.strictObject({ env_id: z.string() }),
  (ctx, { env_id }) => selectEnvironment(ctx, env_id),
);
