import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { ConfirmDelete } from '@/components/console/confirm-delete';
import { ActiveBadge, EffectBadge } from '@/components/policies/badges';
import { AppError } from '@/lib/api/errors';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { getPolicy, type PublicPolicy } from '@/lib/policy/service';
import type { OrgCtx } from '@/lib/tenancy/access';
import { getOrganization } from '@/lib/tenancy/organizations';
import {
  addBindingAction,
  addRuleAction,
  deleteBindingAction,
  deletePolicyAction,
  deleteRuleAction,
  updatePolicyAction,
  updateRuleAction,
} from '../actions';
import { bindingScopeChoices, environmentsOf, scopeLabel, scopeOptions, targetSuggestions, toolTargets } from '../choices';
import { AddBindingForm, AddRuleForm, DeleteRowForm, EditPolicyForm, EditRuleForm, type PolicyFieldValues } from '../policy-forms';

export const metadata: Metadata = { title: 'Policy' };

/** 404 for a policy of another organization or none, exactly like an unknown organization. */
async function policyOr404(ctx: OrgCtx, id: string): Promise<PublicPolicy> {
  try {
    return await getPolicy(ctx, id);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') notFound();
    throw error;
  }
}

const toFieldValues = (p: PublicPolicy): PolicyFieldValues => ({
  name: p.name,
  description: p.description ?? '',
  environment_id: p.environment_id ?? '',
  is_active: p.is_active,
  allow: (p.rules_json.allow ?? []).join('\n'),
  deny: (p.rules_json.deny ?? []).join('\n'),
});

/** Conditions as one short line of JSON; none as a dash. */
const compactJson = (value: Record<string, unknown>) => (Object.keys(value).length ? JSON.stringify(value) : null);

// A short-form entry as the rule it stands for (API-NOTES: `echo` is `tool:*/echo`).
const shortFormTarget = (entry: string) => (entry.includes('/') ? `tool:${entry}` : `tool:*/${entry}`);

const th = 'py-2 pr-3 font-medium';

export default async function PolicyPage({ params }: { params: Promise<{ org_id: string; policy_id: string }> }) {
  const { org_id: orgId, policy_id: policyId } = await params;
  const ctx = await pageOrgCtx(orgId, 'org.read');
  const policy = await policyOr404(ctx, policyId);
  const canManage = can(ctx.role, 'policy.manage');
  const [org, environments, targets] = await Promise.all([getOrganization(ctx), environmentsOf(ctx), toolTargets(ctx, policy.environment_id)]);
  const choices = await bindingScopeChoices(ctx, org.name, environments);
  const environment = environments.find((e) => e.id === policy.environment_id);
  const base = `/orgs/${ctx.orgId}/policies`;
  const suggestions = targetSuggestions(targets);
  const shortForm = [
    ...(policy.rules_json.allow ?? []).map((entry) => ({ entry, effect: 'allow' as const })),
    ...(policy.rules_json.deny ?? []).map((entry) => ({ entry, effect: 'deny' as const })),
  ];
  const removeRule = deleteRuleAction.bind(null, ctx.orgId);
  const editRule = updateRuleAction.bind(null, ctx.orgId);
  const removeBinding = deleteBindingAction.bind(null, ctx.orgId);

  return (
    <div className="space-y-8">
      <div>
        <Link href={base} className="text-sm text-brand-600 hover:underline">
          ← Policies
        </Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight" data-testid="policy-name">
          {policy.name}
        </h1>
        <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
          <span className="rounded bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700" data-testid="policy-version">
            version {policy.version}
          </span>
          <ActiveBadge active={policy.is_active} />
          {environment ? (
            <>
              <span>in {environment.name}</span>
              <EnvironmentTypeBadge type={environment.type} />
            </>
          ) : (
            <span>Organization-wide</span>
          )}
          <Link href={`${base}/evaluate`} className="font-medium text-brand-600 hover:underline">
            Evaluate a request
          </Link>
        </p>
        {policy.description && <p className="mt-2 max-w-3xl text-sm text-slate-700">{policy.description}</p>}
        <p className="mt-1 text-xs text-slate-500">
          id <code className="font-mono" data-testid="policy-id">{policy.id}</code>
        </p>
      </div>

      {canManage && (
        <section aria-labelledby="edit-policy-heading" className="rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="edit-policy-heading" className="mb-4 text-base font-semibold">
            Edit policy
          </h2>
          <EditPolicyForm
            action={updatePolicyAction.bind(null, ctx.orgId)}
            policyId={policy.id}
            values={toFieldValues(policy)}
            scopes={scopeOptions(environments)}
          />
        </section>
      )}

      <section aria-labelledby="rules-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <div>
          <h2 id="rules-heading" className="text-base font-semibold">
            Rules
          </h2>
          <p className="text-sm text-slate-600">
            A rule matches an action and a target (globs allowed) when its conditions hold. Short-form entries are
            tool.invoke rules without conditions{canManage ? ', edited with the policy above' : ''}.
          </p>
        </div>
        {policy.rules.length === 0 && shortForm.length === 0 ? (
          <p className="text-sm text-slate-600" data-testid="rules-empty">
            No rules yet: this policy allows and denies nothing.
          </p>
        ) : (
          <table className="w-full text-left text-sm" aria-label="Rules">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className={th}>Action</th>
                <th scope="col" className={th}>Target</th>
                <th scope="col" className={th}>Effect</th>
                <th scope="col" className={th}>Conditions</th>
                <th scope="col" className="py-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {shortForm.map((s) => (
                <tr key={`${s.effect}:${s.entry}`} data-testid="short-form-row" className="align-top">
                  <td className="py-3 pr-3 font-mono text-xs">tool.invoke</td>
                  <td className="py-3 pr-3 font-mono text-xs">
                    {shortFormTarget(s.entry)}
                    <div className="font-sans text-slate-500">short form “{s.entry}”</div>
                  </td>
                  <td className="py-3 pr-3">
                    <EffectBadge effect={s.effect} />
                  </td>
                  <td className="py-3 pr-3 text-slate-400">—</td>
                  <td className="py-3" />
                </tr>
              ))}
              {policy.rules.map((r) => (
                <tr key={r.id} id={`rule-${r.id}`} data-testid="rule-row" data-rule-id={r.id} className="align-top target:bg-amber-50">
                  <td className="py-3 pr-3 font-mono text-xs">{r.action}</td>
                  <td className="py-3 pr-3 font-mono text-xs break-all">{r.target}</td>
                  <td className="py-3 pr-3">
                    <EffectBadge effect={r.effect} />
                  </td>
                  <td className="max-w-xs py-3 pr-3 font-mono text-xs break-all" data-testid="rule-conditions">
                    {compactJson(r.conditions) ?? <span className="font-sans text-slate-400">—</span>}
                  </td>
                  <td className="py-3">
                    {canManage && (
                      <div className="flex flex-wrap items-start justify-end gap-2">
                        <EditRuleForm
                          action={editRule}
                          ruleId={r.id}
                          targets={suggestions}
                          values={{
                            action: r.action,
                            target: r.target,
                            effect: r.effect,
                            conditions: Object.keys(r.conditions).length ? JSON.stringify(r.conditions, null, 2) : '',
                          }}
                        />
                        <DeleteRowForm action={removeRule} hidden={{ rule_id: r.id }} label={`Delete rule ${r.effect} ${r.action} on ${r.target}`} />
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {canManage && <AddRuleForm action={addRuleAction.bind(null, ctx.orgId)} policyId={policy.id} targets={suggestions} />}
      </section>

      <section aria-labelledby="bindings-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <div>
          <h2 id="bindings-heading" className="text-base font-semibold">
            Bindings
          </h2>
          <p className="text-sm text-slate-600">
            Without bindings the policy applies to every request in its scope, at priority 0. With bindings it applies only
            where one matches, at the highest priority among those that match.
          </p>
        </div>
        {policy.bindings.length === 0 ? (
          <p className="text-sm text-slate-600" data-testid="bindings-empty">
            No bindings: applies to every request {environment ? `in ${environment.name}` : 'in the organization'} at priority 0.
          </p>
        ) : (
          <table className="w-full text-left text-sm" aria-label="Bindings">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className={th}>Scope type</th>
                <th scope="col" className={th}>Applies to</th>
                <th scope="col" className={th}>Priority</th>
                <th scope="col" className="py-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {policy.bindings.map((b) => {
                const label = scopeLabel(choices, b.scope_type, b.scope_id);
                return (
                  <tr key={b.id} id={`binding-${b.id}`} data-testid="binding-row" className="align-top target:bg-amber-50">
                    <td className="py-3 pr-3 font-mono text-xs">{b.scope_type}</td>
                    <td className="py-3 pr-3">
                      {label ?? <code className="font-mono text-xs break-all">{b.scope_id}</code>}
                      {label && <div className="font-mono text-xs text-slate-500">{b.scope_id}</div>}
                    </td>
                    <td className="py-3 pr-3">{b.priority}</td>
                    <td className="py-3">
                      {canManage && (
                        <div className="flex justify-end">
                          <DeleteRowForm
                            action={removeBinding}
                            hidden={{ binding_id: b.id }}
                            label={`Delete binding ${b.scope_type} ${label ?? b.scope_id}`}
                          />
                        </div>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {canManage && <AddBindingForm action={addBindingAction.bind(null, ctx.orgId)} policyId={policy.id} choices={choices} />}
      </section>

      {canManage ? (
        <section aria-labelledby="danger-heading" className="rounded-lg border border-red-200 bg-white p-6">
          <h2 id="danger-heading" className="mb-2 text-base font-semibold text-red-800">
            Delete policy
          </h2>
          <ConfirmDelete
            action={deletePolicyAction.bind(null, ctx.orgId)}
            hidden={{ policy_id: policy.id }}
            name={policy.name}
            what="policy"
            idPrefix={`policy-${policy.id}-delete`}
            consequence="This deletes the policy with its rules and bindings. What it allowed is denied from the next request on, unless another policy allows it."
          />
        </section>
      ) : (
        <p className="text-sm text-slate-600">Admins and owners change policies.</p>
      )}
    </div>
  );
}
