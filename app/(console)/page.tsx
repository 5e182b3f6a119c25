import type { Metadata } from 'next';
import Link from 'next/link';
import { RoleBadge } from '@/components/console/badges';
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
        <div className="flex items-center justify-between gap-4">
          <h2 id="orgs-heading" className="text-base font-semibold">
            Your organizations
          </h2>
          <Link href="/orgs#create-organization" className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700">
            Create organization
          </Link>
        </div>
        {organizations.length === 0 ? (
          <p className="mt-2 text-sm text-slate-600" data-testid="orgs-empty">
            You are not a member of any organization yet. Create one, or ask an owner or admin of an organization to
            add you with your email address.
          </p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-100">
            {organizations.map((org) => (
              <li key={org.id} className="flex items-center justify-between py-2 text-sm">
                <Link href={`/orgs/${org.id}`} className="font-medium text-brand-600 hover:underline">
                  {org.name}
                </Link>
                <RoleBadge role={org.role} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
