import type { Metadata } from 'next';
import Link from 'next/link';
import { PolicyModelNote } from '@/components/policies/model-note';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { createPolicyAction } from '../actions';
import { environmentsOf, scopeOptions } from '../choices';
import { CreatePolicyForm } from '../policy-forms';

export const metadata: Metadata = { title: 'New policy' };

export default async function NewPolicyPage({ params }: { params: Promise<{ org_id: string }> }) {
  const ctx = await pageOrgCtx((await params).org_id, 'org.read');
  const base = `/orgs/${ctx.orgId}/policies`;
  const canManage = can(ctx.role, 'policy.manage');
  const environments = canManage ? await environmentsOf(ctx) : [];
  return (
    <div className="max-w-3xl space-y-6">
      <div>
        <Link href={base} className="text-sm text-brand-600 hover:underline">
          ← Policies
        </Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight">New policy</h1>
      </div>
      {!canManage ? (
        <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600">Admins and owners create policies.</p>
      ) : (
        <section aria-labelledby="new-policy-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="new-policy-heading" className="text-base font-semibold">
            Policy
          </h2>
          <PolicyModelNote />
          <p className="text-sm text-slate-600">
            Start with the short form; rules with other actions, targets or conditions, and bindings with priorities, are
            added on the policy&apos;s page once it exists.
          </p>
          <CreatePolicyForm action={createPolicyAction.bind(null, ctx.orgId)} scopes={scopeOptions(environments)} />
        </section>
      )}
    </div>
  );
}
