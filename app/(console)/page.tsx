import type { Metadata } from 'next';
import { listMyOrganizations } from '@/lib/accounts/service';
import { pageUserCtx } from '@/lib/auth/action-ctx';

export const metadata: Metadata = { title: 'Overview' };

export default async function OverviewPage() {
  const ctx = await pageUserCtx();
  const { organizations } = await listMyOrganizations(ctx);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Overview</h1>
        <p className="text-sm text-slate-600">Signed in as {ctx.actor.email}</p>
      </div>
      <section aria-labelledby="orgs-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="orgs-heading" className="text-base font-semibold">
          Your organizations
        </h2>
        {organizations.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600" data-testid="orgs-empty">
            You are not a member of any organization yet. An owner or admin of an organization can add you with
            your email address.
          </p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-100">
            {organizations.map((org) => (
              <li key={org.id} className="flex items-center justify-between py-2 text-sm">
                <span className="font-medium">{org.name}</span>
                <span className="rounded bg-slate-100 px-2 py-0.5 text-xs text-slate-600">{org.role}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
