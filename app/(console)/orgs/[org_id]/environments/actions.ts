'use server';
// Environment changes from the console (admins; checked again here).
import { z } from 'zod';
import { invalidInput } from '@/lib/api/errors';
import { orgAction } from '@/lib/auth/org-action';
import { createEnvironment, deleteEnvironment, getEnvironment, updateEnvironment } from '@/lib/tenancy/environments';
import { createEnvironmentSchema, updateEnvironmentSchema } from '@/lib/tenancy/schemas';

export const createEnvironmentAction = orgAction('env.manage', createEnvironmentSchema, createEnvironment, {
  ok: (env) => `Environment ${env.name} created.`,
});

export const updateEnvironmentAction = orgAction(
  'env.manage',
  updateEnvironmentSchema.extend({ env_id: z.string() }),
  (ctx, { env_id, ...changes }) => updateEnvironment(ctx, env_id, changes),
  { ok: (env) => `Environment ${env.name} saved.` },
);

export const deleteEnvironmentAction = orgAction(
  'env.manage',
  z.strictObject({ env_id: z.string(), confirm: z.string() }),
  async (ctx, { env_id, confirm }) => {
    const env = await getEnvironment(ctx, env_id);
    if (confirm.trim() !== env.name) throw invalidInput({ confirm: [`Does not match ${env.name}`] }, 'Nothing was deleted');
    await deleteEnvironment(ctx, env.id);
    return env;
  },
  { ok: (env) => `Environment ${env.name} deleted.` },
);
