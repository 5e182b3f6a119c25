import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { auth } from '@/lib/auth/next-auth';
import { LoginForm } from '../auth-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage() {
  if (await auth()) redirect('/');
  return (
    <>
      <h1 className="mb-4 text-lg font-semibold">Sign in</h1>
      <LoginForm />
    </>
  );
}
