'use server';
// Service account changes from the console (admins; checked again on every call), through the
// same services and schemas as REST.
import { z } from 'zod';
import { deleteServiceAccount, getServiceAccount, updateServiceAccount, createServiceAccount } from '@/lib/agents/service-accounts';
import { invalidInput } from '@/lib/api/errors';
import { orgAction } from '@/lib/auth/org-action';
import { createServiceAccountForm, editServiceAccountForm, serviceAccountEnabledForm } from './form-schemas';

export const createServiceAccountAction = orgAction('service_account.manage', createServiceAccountForm, createServiceAccount, {
  ok: (s) => `Service account ${s.name} created.`,
});

export const updateServiceAccountAction = orgAction(
  'service_account.manage',
  editServiceAccountForm,
  (ctx, { service_account_id, ...changes }) => updateServiceAccount(ctx, service_account_id, changes),
  { ok: (s) => `Service account ${s.name} saved.` },
);

export const setServiceAccountEnabledAction = orgAction(
  'service_account.manage',
  serviceAccountEnabledForm,
  (ctx, { service_account_id, enabled }) => updateServiceAccount(ctx, service_account_id, { enabled }),
  {
    ok: (s) =>
      s.enabled
        ? `Service account ${s.name} is enabled.`
        : `Service account ${s.name} is disabled: no tokens can be issued for its agent until it is enabled again.`,
  },
);

export const deleteServiceAccountAction = orgAction(
  'service_account.manage',
  z.strictObject({ service_account_id: z.string(), confirm: z.string() }),
  async (ctx, { service_account_id, confirm }) => {
    const account = await getServiceAccount(ctx, service_account_id);
    if (confirm.trim() !== account.name) throw invalidInput({ confirm: [`Does not match ${account.name}`] }, 'Nothing was deleted');
    await deleteServiceAccount(ctx, account.id);
    return account;
  },
  { ok: (s) => `Service account ${s.name} deleted.` },
);
