import type { Metadata } from 'next';
import Link from 'next/link';
import { RoleBadge } from '@/components/console/badges';
import { ConfirmDelete } from '@/components/console/confirm-delete';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { listEnvironments } from '@/lib/tenancy/environments';
import { listMembers } from '@/lib/tenancy/memberships';
import { getOrganization } from '@/lib/tenancy/organizations';
import { deleteOrganizationAction, renameOrganizationAction } from './actions';
import { RenameOrganizationForm } from './settings-forms';

export const metadata: Metadata = { title: 'Organization' };

export default async function OrganizationPage({ params }: { params: Promise<{ org_id: string }> }) {
  const ctx = await pageOrgCtx((await params).org_id);
  const org = await getOrganization(ctx);
  const { total: environmentCount } = await listEnvironments(ctx, { page: 1, pageSize: 1, offset: 0 });
  const members = await listMembers(ctx);
  const active = members.filter((m) => m.status === 'active').length;
  const invited = members.length - active;
  const isOwner = can(ctx.role, 'org.update');
  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight" data-testid="org-name">
          {org.name}
        </h1>
        <p className="mt-1 flex items-center gap-2 text-sm text-slate-600">
          Your role <RoleBadge role={ctx.role} />
        </p>
      </div>

      <dl className="grid gap-4 sm:grid-cols-3">
        <Summary label="Environments" value={environmentCount} href={`/orgs/${org.id}/environments`} />
        <Summary label="Members" value={active} note={invited ? `${invited} invited` : undefined} href={`/orgs/${org.id}/members`} />
        <Summary label="Created" value={org.created_at.slice(0, 10)} />
      </dl>

      {isOwner ? (
        <>
          <section aria-labelledby="rename-heading" className="rounded-lg border border-slate-200 bg-white p-6">
            <h2 id="rename-heading" className="mb-4 text-base font-semibold">
              Rename
            </h2>
            <RenameOrganizationForm name={org.name} action={renameOrganizationAction.bind(null, org.id)} />
          </section>
          <section aria-labelledby="danger-heading" className="rounded-lg border border-red-200 bg-white p-6">
            <h2 id="danger-heading" className="mb-2 text-base font-semibold text-red-800">
              Delete organization
            </h2>
            <ConfirmDelete
              action={deleteOrganizationAction.bind(null, org.id)}
              name={org.name}
              what="organization"
              idPrefix="org"
              consequence="This deletes the organization with all its environments, agents, tools, connections, runs and its audit log. It cannot be undone."
            />
          </section>
        </>
      ) : (
        <p className="text-sm text-slate-600">Only owners can rename or delete this organization.</p>
      )}
    </div>
  );
}

function Summary({ label, value, note, href }: { label: string; value: string | number; note?: string; href?: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold">
        {href ? (
          <Link href={href} aria-label={`${label}: ${value}`} className="hover:text-brand-600 hover:underline">
            {value}
          </Link>
        ) : (
          value
        )}
        {note && <span className="ml-2 text-sm font-normal text-slate-500">{note}</span>}
      </dd>
    </div>
  );
}
