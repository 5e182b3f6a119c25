import type { Metadata } from 'next';
import Link from 'next/link';
import type { Option } from '@/components/console/select-field';
import { PolicyModelNote } from '@/components/policies/model-note';
import { getAgent } from '@/lib/agents/service';
import { AppError } from '@/lib/api/errors';
import { pageOrgCtx } from '@/lib/auth/org-action';
import type { OrgCtx } from '@/lib/tenancy/access';
import { getEnvironment } from '@/lib/tenancy/environments';
import { selectedEnvironmentId } from '@/lib/tenancy/selected-environment';
import { evaluateAction } from '../actions';
import { subjectChoices, toolTargets } from '../choices';
import { EvaluateForm } from './evaluate-form';

export const metadata: Metadata = { title: 'Evaluate a request' };

async function agentOption(ctx: OrgCtx, agentId: string): Promise<Option | null> {
  try {
    const agent = await getAgent(ctx, agentId);
    return { value: `agent:${agent.id}`, label: `${agent.name} (${(await getEnvironment(ctx, agent.environment_id)).name})` };
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') return null;
    throw error;
  }
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

/** ?agent_id=&action=&target= prefill the question (the agent's permissions page links here). */
export default async function EvaluatePage({
  params,
  searchParams,
}: {
  params: Promise<{ org_id: string }>;
  searchParams: Promise<{ agent_id?: string | string[]; action?: string | string[]; target?: string | string[] }>;
}) {
  const ctx = await pageOrgCtx((await params).org_id, 'org.read');
  const envId = await selectedEnvironmentId(ctx);
  const [environment, subjects, targets] = await Promise.all([
    envId ? getEnvironment(ctx, envId) : Promise.resolve(null),
    subjectChoices(ctx, envId),
    toolTargets(ctx, envId),
  ]);
  const query = await searchParams;
  const agentId = first(query.agent_id);
  // An agent named in the link but not of the selected environment is still offered (it is
  // decided in its own environment anyway).
  const linked = agentId && !subjects.agents.some((a) => a.value === `agent:${agentId}`) ? await agentOption(ctx, agentId) : null;
  if (linked) subjects.agents.push(linked);
  const base = `/orgs/${ctx.orgId}/policies`;

  return (
    <div className="max-w-4xl space-y-6">
      <div>
        <Link href={base} className="text-sm text-brand-600 hover:underline">
          ← Policies
        </Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight">Evaluate a request</h1>
        <p className="text-sm text-slate-600">
          Ask what the gateway would decide — nothing runs. The answer names the policy, rule and binding that decided, and
          why.
        </p>
      </div>
      <section aria-labelledby="evaluate-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="evaluate-heading" className="text-base font-semibold">
          Request
        </h2>
        <EvaluateForm
          action={evaluateAction.bind(null, ctx.orgId)}
          environment={environment ? { id: environment.id, name: environment.name } : null}
          subjects={subjects}
          targets={[...new Set(targets.map((t) => t.target))]}
          defaults={{
            subject: subjects.agents.some((a) => a.value === `agent:${agentId}`) ? `agent:${agentId}` : '',
            action: first(query.action) || 'tool.invoke',
            target: first(query.target),
          }}
          policiesHref={base}
        />
      </section>
      <section aria-labelledby="model-heading" className="space-y-2 rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="model-heading" className="text-base font-semibold">
          How policies decide
        </h2>
        <PolicyModelNote />
      </section>
    </div>
  );
}
