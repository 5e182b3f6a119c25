'use server';
// Renaming and deleting an organization from its settings page (owners; checked again here).
import { z } from 'zod';
import { invalidInput } from '@/lib/api/errors';
import { orgAction } from '@/lib/auth/org-action';
import { deleteOrganization, getOrganization, updateOrganization } from '@/lib/tenancy/organizations';
import { updateOrganizationSchema } from '@/lib/tenancy/schemas';
import { forgetEnvironmentChoice } from '@/lib/tenancy/selected-environment';

export const renameOrganizationAction = orgAction('org.update', updateOrganizationSchema, updateOrganization, {
  ok: (org) => `Renamed to ${org.name}.`,
});

export const deleteOrganizationAction = orgAction(
  'org.delete',
  z.strictObject({ confirm: z.string() }),
  async (ctx, { confirm }) => {
    // The typed name proves the owner means this organization; checked here, not only in the form.
    const org = await getOrganization(ctx);
    if (confirm.trim() !== org.name) throw invalidInput({ confirm: [`Does not match ${org.name}`] }, 'Nothing was deleted');
    await deleteOrganization(ctx);
    await forgetEnvironmentChoice(ctx.orgId);
  },
  { redirectTo: () => '/orgs' },
);
