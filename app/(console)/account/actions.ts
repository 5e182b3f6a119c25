'use server';
// Profile and password changes from the console; the same service and schema as PATCH /auth/me/.
import { revalidatePath } from 'next/cache';
import { updateMeSchema } from '@/lib/accounts/schemas';
import { updateMe } from '@/lib/accounts/service';
import { AppError } from '@/lib/api/errors';
import { fieldErrors } from '@/lib/api/validation';
import { userActionCtx } from '@/lib/auth/action-ctx';
import { signOut } from '@/lib/auth/next-auth';

export interface AccountFormState {
  ok?: string;
  message?: string;
  fields?: Record<string, string[]>;
}

const text = (form: FormData, key: string) => {
  const v = form.get(key);
  return typeof v === 'string' && v !== '' ? v : undefined;
};

async function apply(input: unknown): Promise<AccountFormState | 'password-changed'> {
  const parsed = updateMeSchema.safeParse(input);
  if (!parsed.success) return { fields: fieldErrors(parsed.error) };
  try {
    await updateMe(await userActionCtx(), parsed.data);
  } catch (error) {
    if (error instanceof AppError) {
      return { message: error.message, fields: error.details.fields as Record<string, string[]> | undefined };
    }
    throw error;
  }
  return parsed.data.new_password ? 'password-changed' : {};
}

export async function updateProfileAction(_prev: AccountFormState, form: FormData): Promise<AccountFormState> {
  const result = await apply({
    first_name: text(form, 'first_name') ?? '',
    last_name: text(form, 'last_name') ?? '',
    email: text(form, 'email'),
    current_password: text(form, 'current_password'),
  });
  if (result === 'password-changed') return {};
  if (result.fields || result.message) return result;
  revalidatePath('/', 'layout');
  return { ok: 'Profile saved.' };
}

export async function changePasswordAction(_prev: AccountFormState, form: FormData): Promise<AccountFormState> {
  const newPassword = text(form, 'new_password');
  if (newPassword !== text(form, 'new_password_confirm')) {
    return { fields: { new_password_confirm: ['Passwords do not match'] } };
  }
  const result = await apply({ new_password: newPassword ?? '', current_password: text(form, 'current_password') ?? '' });
  if (result !== 'password-changed') return result;
  // Every session of the account has just been invalidated, this one included: sign in again.
  await signOut({ redirectTo: '/login' });
  return {};
}
