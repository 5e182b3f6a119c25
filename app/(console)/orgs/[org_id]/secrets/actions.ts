'use server';
// Secret store changes from the console: the same services and schema as the REST endpoints,
// checked again here (admins store and delete; the instance administrator rotates keys).
import { z } from 'zod';
import { orgAction, userAction, type ActionInput, type ActionState } from '@/lib/auth/org-action';
import { storeSecretSchema } from '@/lib/secrets/schemas';
import { deleteSecret, rotateKeys, storeSecret, type StoredSecret } from '@/lib/secrets/service';

export interface StoreSecretState extends ActionState {
  /** The ref of the value just stored (the value itself never comes back). */
  stored?: { secret_ref: string; name: string | null };
}

/**
 * Like every org action, but the submitted value is never sent back to the browser: orgAction
 * returns the submitted text after a refusal so a form can show it again, which must not happen
 * for a secret.
 */
export async function storeSecretAction(orgId: string, prev: StoreSecretState, input: ActionInput): Promise<StoreSecretState> {
  let stored: StoredSecret | undefined;
  const run = orgAction('secret.manage', storeSecretSchema, async (ctx, parsed) => (stored = await storeSecret(ctx, parsed)), {
    ok: (s) => (s.name ? `Secret "${s.name}" stored.` : 'Secret stored.'),
  });
  const { values, ...state } = await run(orgId, prev, input);
  const safeValues = values && Object.fromEntries(Object.entries(values).filter(([key]) => key !== 'value'));
  return {
    ...state,
    ...(safeValues ? { values: safeValues } : {}),
    ...(stored ? { stored: { secret_ref: stored.secret_ref, name: stored.name } } : {}),
  };
}

export const deleteSecretAction = orgAction(
  'secret.manage',
  z.strictObject({ secret_ref: z.string(), confirm: z.literal('yes', 'Tick the box to confirm') }),
  (ctx, { secret_ref }) => deleteSecret(ctx, secret_ref),
  { ok: (s) => `Secret ${s.name ? `"${s.name}"` : s.secret_ref} deleted.` },
);

export const rotateKeysAction = userAction(z.strictObject({}), (ctx) => rotateKeys(ctx), {
  ok: (r) =>
    `Rotated: ${r.rotated} secret${r.rotated === 1 ? '' : 's'} re-encrypted under key ${r.key_id}; ` +
    `${r.retired_keys} old key${r.retired_keys === 1 ? '' : 's'} retired, ${r.deleted_keys} deleted` +
    (r.failed ? `; ${r.failed} secret${r.failed === 1 ? '' : 's'} could not be decrypted (see the server log).` : '.'),
});
