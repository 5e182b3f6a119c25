import type { Metadata } from 'next';
import Link from 'next/link';
import { RoleBadge } from '@/components/console/badges';
import { Pager, pageFromSearch } from '@/components/console/pager';
import { pageUserCtx } from '@/lib/auth/action-ctx';
import { listMyOrganizationsPage } from '@/lib/tenancy/organizations';
import { CreateOrganizationForm } from './create-organization-form';

export const metadata: Metadata = { title: 'Organizations' };

const PAGE_SIZE = 50;

export default async function OrganizationsPage({ searchParams }: { searchParams: Promise<{ page?: string | string[] }> }) {
  const ctx = await pageUserCtx();
  const page = pageFromSearch((await searchParams).page, PAGE_SIZE);
  const { total, results } = await listMyOrganizationsPage(ctx, page);
  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-semibold tracking-tight">Organizations</h1>
      <section aria-labelledby="my-orgs-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="my-orgs-heading" className="text-base font-semibold">
          Your organizations
        </h2>
        {total === 0 ? (
          <p className="mt-2 text-sm text-slate-600" data-testid="org-list-empty">
            You are not a member of any organization yet. Create one below, or ask an owner or admin to add you.
          </p>
        ) : (
          <table className="mt-3 w-full text-left text-sm">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="py-2 font-medium">
                  Name
                </th>
                <th scope="col" className="py-2 font-medium">
                  Your role
                </th>
                <th scope="col" className="py-2 font-medium">
                  Created
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {results.map((org) => (
                <tr key={org.id}>
                  <td className="py-2">
                    <Link href={`/orgs/${org.id}`} className="font-medium text-brand-600 hover:underline">
                      {org.name}
                    </Link>
                  </td>
                  <td className="py-2">
                    <RoleBadge role={org.role} />
                  </td>
                  <td className="py-2 text-slate-600">{org.created_at.slice(0, 10)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager path="/orgs" page={page.page} pageSize={PAGE_SIZE} total={total} />
      </section>
      <section id="create-organization" aria-labelledby="create-org-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="create-org-heading" className="mb-1 text-base font-semibold">
          Create organization
        </h2>
        <p className="mb-4 text-sm text-slate-600">You become its owner and can then add environments and invite people.</p>
        <CreateOrganizationForm />
      </section>
    </div>
  );
}
