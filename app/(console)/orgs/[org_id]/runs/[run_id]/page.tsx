import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { asRunOutput, RunOutputView } from '@/components/runs/content-items';
import { formatDuration, formatUtcSeconds } from '@/components/runs/format';
import { RunTimeline } from '@/components/runs/run-timeline';
import { RunStatusBadge } from '@/components/runs/status-badge';
import { AppError } from '@/lib/api/errors';
import type { AuditEventJson } from '@/lib/audit/service';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { getRun, listRunSteps, type PublicRun } from '@/lib/runs/service';
import type { OrgCtx } from '@/lib/tenancy/access';
import { getEnvironment } from '@/lib/tenancy/environments';
import { agentNames, runAuditEvents, userNames } from '../queries';

export const metadata: Metadata = { title: 'Run' };

const VIA_LABELS: Record<string, string> = {
  rest: 'REST API (runs/execute)',
  mcp: 'MCP (tools/call)',
  console: 'Console (a tool page)',
};

async function runOr404(ctx: OrgCtx, id: string): Promise<PublicRun> {
  try {
    return await getRun(ctx, id);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') notFound();
    throw error;
  }
}

export default async function RunPage({ params }: { params: Promise<{ org_id: string; run_id: string }> }) {
  const { org_id: orgId, run_id: runId } = await params;
  const ctx = await pageOrgCtx(orgId, 'org.read');
  const run = await runOr404(ctx, runId);
  const canReadAudit = can(ctx.role, 'audit.read');
  const [steps, environment, agents, users, events] = await Promise.all([
    listRunSteps(ctx, run.id),
    getEnvironment(ctx, run.environment_id),
    agentNames(ctx, [run.agent_id]),
    userNames(ctx, [run.user_id]),
    canReadAudit ? runAuditEvents(ctx, run) : Promise.resolve(null),
  ]);
  const base = `/orgs/${ctx.orgId}`;
  const agentName = run.agent_id ? agents.get(run.agent_id) : undefined;
  const member = run.user_id ? users.get(run.user_id) : undefined;
  const output = asRunOutput(run.output_json);
  const failed = run.status === 'failed';
  const agentLink = run.agent_id ? (
    <Link href={`${base}/agents/${run.agent_id}`} className="font-medium text-brand-600 hover:underline" data-testid="run-agent">
      {agentName ?? 'agent'}
    </Link>
  ) : (
    <span className="text-slate-500" data-testid="run-agent">
      a deleted agent
    </span>
  );

  return (
    <div className="space-y-8">
      <div>
        <Link href={`${base}/runs`} className="text-sm text-brand-600 hover:underline">
          ← Runs
        </Link>
        <h1 className="mt-1 flex flex-wrap items-center gap-3 text-2xl font-semibold tracking-tight">
          <span>Run</span>
          <code className="font-mono text-lg" data-testid="run-target">
            {run.target ?? 'unknown target'}
          </code>
          <RunStatusBadge status={run.status} large />
        </h1>
        <p className="mt-1 font-mono text-xs text-slate-500">{run.id}</p>
      </div>

      {failed && run.error_text && (
        <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4" data-testid="run-error-text">
          <p className="text-xs font-semibold uppercase tracking-wide text-red-800">Why it failed</p>
          <p className="mt-1 text-base font-medium break-words text-red-900">{run.error_text}</p>
        </div>
      )}

      <section aria-labelledby="run-facts-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="run-facts-heading" className="sr-only">
          About this run
        </h2>
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[10rem_1fr]">
          <dt className="text-slate-600">Agent</dt>
          <dd>{agentLink}</dd>
          <dt className="text-slate-600">Who ran it</dt>
          <dd data-testid="run-actor">
            {run.user_id ? (
              <>
                {member ? (
                  <>
                    <span className="font-medium">{member.name}</span> <span className="text-slate-500">({member.email})</span>
                  </>
                ) : (
                  'A member'
                )}
                , as the agent: the policy decision was the agent&apos;s
              </>
            ) : (
              'The agent itself, with its own credential'
            )}
          </dd>
          <dt className="text-slate-600">Via</dt>
          <dd>{run.via ? (VIA_LABELS[run.via] ?? run.via) : '—'}</dd>
          <dt className="text-slate-600">Tool</dt>
          <dd>
            {run.tool_id ? (
              <Link href={`${base}/tools/${run.tool_id}`} className="text-brand-600 hover:underline">
                Open the tool
              </Link>
            ) : run.target?.startsWith('tool:system/') ? (
              <span className="text-slate-600">A built-in system tool</span>
            ) : (
              <span className="text-slate-500">Not resolved, or deleted since</span>
            )}
          </dd>
          <dt className="text-slate-600">Environment</dt>
          <dd className="flex items-center gap-2">
            {environment.name} <EnvironmentTypeBadge type={environment.type} />
          </dd>
          <dt className="text-slate-600">Started</dt>
          <dd className="font-mono text-xs" data-testid="run-started">
            {formatUtcSeconds(run.started_at)}
          </dd>
          <dt className="text-slate-600">Ended</dt>
          <dd className="font-mono text-xs">{formatUtcSeconds(run.ended_at)}</dd>
          <dt className="text-slate-600">Duration</dt>
          <dd className="font-mono text-xs" data-testid="run-duration">
            {formatDuration(run.duration_ms)}
          </dd>
        </dl>
      </section>

      <section aria-labelledby="timeline-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6" data-testid="run-timeline">
        <div>
          <h2 id="timeline-heading" className="text-base font-semibold">
            Timeline
          </h2>
          <p className="text-sm text-slate-600">
            One step per stage of the gateway&apos;s pipeline, in order: resolve, runnable, policy, validation, rate limit,
            concurrency, upstream call. A refused call stops at the stage that refused it.
          </p>
        </div>
        <RunTimeline run={run} steps={steps.results} />
      </section>

      <div className="grid gap-8 lg:grid-cols-2">
        <section aria-labelledby="input-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="input-heading" className="text-base font-semibold">
            Input
          </h2>
          <pre className="max-h-[28rem] overflow-auto rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-xs" data-testid="run-input">
            {JSON.stringify(run.input_json, null, 2)}
          </pre>
        </section>
        <section aria-labelledby="output-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-6" data-testid="run-output">
          <h2 id="output-heading" className="text-base font-semibold">
            Output
          </h2>
          {output ? (
            <RunOutputView output={output} />
          ) : (
            <p className="text-sm text-slate-600">
              {failed ? 'None: the call was refused or failed before the tool answered.' : 'None recorded.'}
            </p>
          )}
        </section>
      </div>

      <section aria-labelledby="audit-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-6">
        <div className="flex flex-wrap items-baseline justify-between gap-3">
          <h2 id="audit-heading" className="text-base font-semibold">
            Audit events of this run
          </h2>
          {canReadAudit && run.target && (
            <Link
              href={`${base}/audit?${new URLSearchParams({ target: run.target }).toString()}`}
              className="text-sm text-brand-600 hover:underline"
              data-testid="run-audit-link"
            >
              All audit events on {run.target}
            </Link>
          )}
        </div>
        {events === null ? (
          <p className="text-sm text-slate-600">Your role cannot read the audit log.</p>
        ) : events.length === 0 ? (
          <p className="text-sm text-slate-600">No audit events name this run.</p>
        ) : (
          <AuditEvents events={events} />
        )}
      </section>
    </div>
  );
}

function AuditEvents({ events }: { events: AuditEventJson[] }) {
  return (
    <table className="w-full text-left text-sm" aria-label="Audit events of this run">
      <thead className="text-xs uppercase tracking-wide text-slate-500">
        <tr>
          <th scope="col" className="py-2 pr-3 font-medium">Time (UTC)</th>
          <th scope="col" className="py-2 pr-3 font-medium">Event</th>
          <th scope="col" className="py-2 pr-3 font-medium">Subject</th>
          <th scope="col" className="py-2 pr-3 font-medium">Decision</th>
          <th scope="col" className="py-2 font-medium">Data</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {events.map((e) => (
          <tr key={e.id} data-testid="run-audit-event" data-event-type={e.event_type} className="align-top">
            <td className="whitespace-nowrap py-2 pr-3 font-mono text-xs text-slate-600">{e.ts.replace('T', ' ').slice(0, 19)}</td>
            <td className="py-2 pr-3">
              <span className="font-medium">{e.action}</span>
              <span className="block text-xs text-slate-500">{e.event_type}</span>
            </td>
            <td className="py-2 pr-3 font-mono text-xs">{e.subject}</td>
            <td className="py-2 pr-3">
              <span className={`rounded px-1.5 py-0.5 text-xs ${e.decision === 'deny' ? 'bg-red-50 text-red-700' : 'bg-emerald-50 text-emerald-700'}`}>{e.decision}</span>
            </td>
            <td className="py-2">
              <details>
                <summary className="cursor-pointer text-xs text-brand-600">{e.seq ? `#${e.seq}` : 'not chained yet'}</summary>
                <pre className="mt-1 max-w-md overflow-x-auto rounded bg-slate-50 p-2 text-xs">{JSON.stringify(e.event_data, null, 2)}</pre>
              </details>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
