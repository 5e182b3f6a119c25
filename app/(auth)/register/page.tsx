import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { Alert } from '@/components/ui/alert';
import { auth } from '@/lib/auth/next-auth';
import { env } from '@/lib/env';
import { RegisterForm } from '../auth-form';

export const metadata: Metadata = { title: 'Create account' };

export default async function RegisterPage() {
  if (await auth()) redirect('/');
  const mode = env().SIGNUP_MODE;
  return (
    <>
      <h1 className="mb-4 text-lg font-semibold">Create your account</h1>
      {mode !== 'open' && (
        <div className="mb-4">
          <Alert tone="info">
            {mode === 'invite'
              ? 'Sign-up on this instance is by invitation: use the email address you were invited with.'
              : 'Sign-up is closed on this instance; only its first account can be created here.'}
          </Alert>
        </div>
      )}
      <RegisterForm />
    </>
  );
}
