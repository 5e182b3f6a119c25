'use server';
// Sign-in and sign-up for the browser. Same services and schemas as the REST endpoints.
import { AuthError, CredentialsSignin } from 'next-auth';
import { loginSchema, registerSchema } from '@/lib/accounts/schemas';
import { createAccount } from '@/lib/accounts/service';
import { AppError } from '@/lib/api/errors';
import { fieldErrors } from '@/lib/api/validation';
import { anonymousActionCtx } from '@/lib/auth/action-ctx';
import { signIn } from '@/lib/auth/next-auth';

export interface FormState {
  message?: string;
  fields?: Record<string, string[]>;
  values?: Record<string, string>;
}

const text = (form: FormData, key: string) => {
  const v = form.get(key);
  return typeof v === 'string' ? v : undefined;
};

async function signInOrExplain(email: string, password: string, values: Record<string, string>): Promise<FormState> {
  try {
    // On success this throws Next's redirect, which must propagate.
    await signIn('credentials', { email, password, redirectTo: '/' });
    return {};
  } catch (error) {
    if (error instanceof CredentialsSignin && error.code === 'throttled') {
      return { message: 'Too many attempts. Wait a few minutes and try again.', values };
    }
    if (error instanceof AuthError) return { message: 'Invalid email or password.', values };
    throw error;
  }
}

export async function loginAction(_prev: FormState, form: FormData): Promise<FormState> {
  const values = { email: text(form, 'email') ?? '' };
  const parsed = loginSchema.safeParse({ email: text(form, 'email'), password: text(form, 'password') });
  if (!parsed.success) return { fields: fieldErrors(parsed.error), values };
  return signInOrExplain(parsed.data.email, parsed.data.password, values);
}

export async function registerAction(_prev: FormState, form: FormData): Promise<FormState> {
  const values = {
    email: text(form, 'email') ?? '',
    first_name: text(form, 'first_name') ?? '',
    last_name: text(form, 'last_name') ?? '',
  };
  const parsed = registerSchema.safeParse({
    ...values,
    password: text(form, 'password'),
    password_confirm: text(form, 'password_confirm'),
  });
  if (!parsed.success) return { fields: fieldErrors(parsed.error), values };
  try {
    await createAccount(await anonymousActionCtx(), parsed.data);
  } catch (error) {
    if (error instanceof AppError) {
      const fields = (error.details.fields as Record<string, string[]> | undefined) ?? undefined;
      return { message: error.message, fields, values };
    }
    throw error;
  }
  return signInOrExplain(parsed.data.email, parsed.data.password, values);
}
