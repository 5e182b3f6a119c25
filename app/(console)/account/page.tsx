import type { Metadata } from 'next';
import { getMe } from '@/lib/accounts/service';
import { pageUserCtx } from '@/lib/auth/action-ctx';
import { PasswordForm, ProfileForm } from './account-forms';

export const metadata: Metadata = { title: 'Account' };

export default async function AccountPage() {
  const me = await getMe(await pageUserCtx());
  return (
    <div className="max-w-xl space-y-8">
      <h1 className="text-2xl font-semibold tracking-tight">Account</h1>
      <section className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="profile-heading" className="mb-4 text-base font-semibold">
          Profile
        </h2>
        <ProfileForm user={me} />
      </section>
      <section className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="password-heading" className="mb-4 text-base font-semibold">
          Password
        </h2>
        <PasswordForm />
      </section>
    </div>
  );
}
