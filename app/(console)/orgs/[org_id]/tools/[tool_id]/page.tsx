import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { EnabledBadge } from '@/components/agents/badges';
import { EnabledSwitch } from '@/components/agents/enabled-switch';
import { formatUtc } from '@/components/agents/format';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { SyncStatusBadge } from '@/components/tools/badges';
import { DefinitionDiff, type DefinitionSide } from '@/components/tools/definition-diff';
import { SchemaViewer } from '@/components/tools/schema-viewer';
import { listAgents } from '@/lib/agents/service';
import { AppError } from '@/lib/api/errors';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { getConnection } from '@/lib/connections/service';
import { env } from '@/lib/env';
import { getTool, type PublicToolDetail } from '@/lib/tools/service';
import type { OrgCtx } from '@/lib/tenancy/access';
import { getEnvironment } from '@/lib/tenancy/environments';
import { approveToolAction, setToolEnabledAction } from '../actions';
import { runToolAction } from '../run-actions';
import { inputSkeleton } from '../run-form-schema';
import { RunToolForm } from '../run-tool-form';
import { ApproveToolForm } from '../tool-forms';

export const metadata: Metadata = { title: 'Tool' };

async function toolOr404(ctx: OrgCtx, id: string): Promise<PublicToolDetail> {
  try {
    return await getTool(ctx, id);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') notFound();
    throw error;
  }
}

const STATUS_NOTES: Record<string, string> = {
  synced: 'The definition below is the approved one, as the upstream server offers it.',
  pending_review:
    'The upstream server changed this tool since it was approved. The approved definition stays in force, and the tool does not run until an admin approves the new one.',
  stale: 'The upstream server no longer offers this tool; calls to it fail. The next sync that sees it again restores it.',
  invalid_schema: 'The upstream input schema is not a usable JSON Schema, so the tool is disabled.',
  invalid_name: 'The upstream name cannot be used in policies (letters, digits, dots, dashes, underscores; up to 128), so the tool is disabled.',
};

export default async function ToolPage({ params }: { params: Promise<{ org_id: string; tool_id: string }> }) {
  const { org_id: orgId, tool_id: toolId } = await params;
  const ctx = await pageOrgCtx(orgId, 'org.read');
  const tool = await toolOr404(ctx, toolId);
  const [connection, environment] = await Promise.all([getConnection(ctx, tool.connection_id), getEnvironment(ctx, tool.environment_id)]);
  const canToggle = can(ctx.role, 'tool.manage');
  const canApprove = can(ctx.role, 'tool.approve');
  const canRun = can(ctx.role, 'run.execute');
  const agents = canRun ? await listAgents(ctx, { environment_id: tool.environment_id }, { page: 1, pageSize: 200, offset: 0 }) : null;
  const connectionHref = `/orgs/${ctx.orgId}/connections/${connection.id}`;
  const pending = tool.pending_definition as (DefinitionSide & { hash?: string }) | null;
  const approved: DefinitionSide = {
    description: tool.description,
    input_schema: tool.schema_json,
    output_schema: tool.output_schema,
    annotations: tool.annotations,
  };

  return (
    <div className="space-y-8">
      <div>
        <Link href={`/orgs/${ctx.orgId}/tools`} className="text-sm text-brand-600 hover:underline">
          ← Tools
        </Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight" data-testid="tool-name">
          {tool.name}
        </h1>
        <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
          <span>
            from{' '}
            <Link href={connectionHref} className="font-medium text-brand-600 hover:underline">
              {connection.name}
            </Link>
          </span>
          <span className="font-mono text-xs">v{tool.version}</span>
          <SyncStatusBadge status={tool.sync_status} />
          <EnabledBadge enabled={tool.enabled} />
          {!connection.enabled && <span className="text-xs text-amber-800">(its connection is disabled)</span>}
          <span>in {environment.name}</span>
          <EnvironmentTypeBadge type={environment.type} />
        </p>
        <p className="mt-1 text-xs text-slate-500">
          Policy target <code className="font-mono">tool:{connection.name}/{tool.name}</code> · {tool.origin === 'sync' ? 'synced' : 'added by hand'}
          {tool.synced_at && <> · last synced {formatUtc(tool.synced_at)}</>}
        </p>
      </div>

      {tool.sync_status === 'pending_review' && pending && (
        <section aria-labelledby="review-heading" className="space-y-4 rounded-lg border border-amber-300 bg-amber-50/40 p-6" data-testid="review-panel">
          <h2 id="review-heading" className="text-base font-semibold text-amber-900">
            Review the changed definition
          </h2>
          <p className="text-sm text-slate-700">{STATUS_NOTES.pending_review}</p>
          <DefinitionDiff approved={approved} pending={pending} />
          {canApprove ? (
            <ApproveToolForm action={approveToolAction.bind(null, ctx.orgId)} toolId={tool.id} definitionHash={pending.hash ?? null} />
          ) : (
            <p className="text-sm text-slate-600">Only admins and owners approve a changed definition.</p>
          )}
        </section>
      )}

      <section aria-labelledby="status-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="status-heading" className="text-base font-semibold">
          Status
        </h2>
        {STATUS_NOTES[tool.sync_status] && tool.sync_status !== 'pending_review' && (
          <p className="text-sm text-slate-600">{STATUS_NOTES[tool.sync_status]}</p>
        )}
        {canToggle ? (
          <EnabledSwitch
            action={setToolEnabledAction.bind(null, ctx.orgId)}
            enabled={tool.enabled}
            label={`Tool ${tool.name} enabled`}
            hidden={{ tool_id: tool.id }}
            note="A disabled tool is refused for every agent, whatever the policies say."
          />
        ) : (
          <p className="text-sm text-slate-600">
            The tool is <EnabledBadge enabled={tool.enabled} />. Members, admins and owners switch tools on and off.
          </p>
        )}
      </section>

      <section aria-labelledby="run-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-6" data-testid="run-tool-panel">
        <div className="flex flex-wrap items-baseline justify-between gap-3">
          <h2 id="run-heading" className="text-base font-semibold">
            Run this tool
          </h2>
          <Link href={`/orgs/${ctx.orgId}/runs?tool_id=${tool.id}`} className="text-sm text-brand-600 hover:underline">
            Runs of this tool
          </Link>
        </div>
        {!agents ? (
          <p className="text-sm text-slate-600">Members, admins and owners run tools from here, as one of the environment&apos;s agents.</p>
        ) : agents.total === 0 ? (
          <p className="text-sm text-slate-600" data-testid="run-no-agents">
            Tools run as an agent, and {environment.name} has none yet.{' '}
            <Link href={`/orgs/${ctx.orgId}/agents/new`} className="font-medium text-brand-600 hover:underline">
              Create an agent
            </Link>
          </p>
        ) : (
          <>
            <p className="text-sm text-slate-600">
              The call goes through the gateway exactly as the agent&apos;s own would: policies, input schema, rate limit, then
              the upstream server. Refused or not, it is recorded as a run.
              {(tool.sync_status !== 'synced' || !tool.enabled || !connection.enabled) && ' This tool cannot run right now; a call is refused with the reason.'}
            </p>
            <RunToolForm
              action={runToolAction.bind(null, ctx.orgId)}
              toolId={tool.id}
              agents={agents.results.map((a) => ({ value: a.id, label: a.enabled ? a.name : `${a.name} (disabled)` }))}
              skeleton={inputSkeleton(tool.schema_json)}
              timeouts={{ defaultSeconds: env().RUN_TIMEOUT_SECONDS, maxSeconds: env().RUN_MAX_TIMEOUT_SECONDS }}
              runsHref={`/orgs/${ctx.orgId}/runs`}
            />
          </>
        )}
      </section>

      <section aria-labelledby="definition-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="definition-heading" className="text-base font-semibold">
          {tool.sync_status === 'pending_review' ? 'Approved definition' : 'Definition'}
        </h2>
        <div>
          <h3 className="text-sm font-medium text-slate-700">Description</h3>
          <p className="mt-1 whitespace-pre-wrap text-sm text-slate-800" data-testid="tool-description">
            {tool.description ?? <span className="text-slate-400">none</span>}
          </p>
        </div>
        <SchemaViewer title="Input schema" value={tool.schema_json} open testId="tool-input-schema" />
        <SchemaViewer title="Output schema" value={tool.output_schema} />
        <SchemaViewer title="Annotations" value={tool.annotations} />
        {tool.definition_hash && (
          <p className="text-xs text-slate-500">
            Definition hash <code className="font-mono">{tool.definition_hash.slice(0, 16)}…</code>
          </p>
        )}
      </section>
    </div>
  );
}
