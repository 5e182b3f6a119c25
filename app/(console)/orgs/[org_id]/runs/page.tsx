import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { NoEnvironmentNotice } from '@/components/console/no-environment';
import { excerpt, formatDuration, formatUtcSeconds } from '@/components/runs/format';
import { RunStatusBadge } from '@/components/runs/status-badge';
import { Alert } from '@/components/ui/alert';
import { RUN_STATUSES } from '@/db/schema';
import { listAgents } from '@/lib/agents/service';
import { AppError } from '@/lib/api/errors';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { listConnections } from '@/lib/connections/service';
import { listRuns, type PublicRun, type RunPage } from '@/lib/runs/service';
import { listTools } from '@/lib/tools/service';
import { getEnvironment } from '@/lib/tenancy/environments';
import { getOrganization } from '@/lib/tenancy/organizations';
import { selectedEnvironmentId } from '@/lib/tenancy/selected-environment';
import { readRunQuery, runListHref } from './filters';
import { agentNames, userNames } from './queries';

export const metadata: Metadata = { title: 'Runs' };

const PAGE_SIZE = 50;
/** Agents and tools offered as filters; a run of one beyond these is still listed, just not choosable. */
const CHOICE_LIMIT = 200;

const control = 'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-600 aria-invalid:border-red-500';
const pagerLink = 'rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100';

export default async function RunsPage({
  params,
  searchParams,
}: {
  params: Promise<{ org_id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const ctx = await pageOrgCtx((await params).org_id, 'org.read');
  const org = await getOrganization(ctx);
  const envId = await selectedEnvironmentId(ctx);
  const base = `/orgs/${org.id}/runs`;

  const intro = (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight">Runs</h1>
      <p className="text-sm text-slate-600">
        Every tool call through the gateway is a run — allowed or refused. Open one to see its timeline: which stage decided
        what, how long each took, and why a refused call stopped where it did.
      </p>
    </div>
  );
  if (!envId) {
    return (
      <div className="space-y-8">
        {intro}
        <NoEnvironmentNotice org={org} things="runs" canCreate={can(ctx.role, 'env.manage')} testId="runs-no-environment" />
      </div>
    );
  }

  const query = readRunQuery(await searchParams, envId, PAGE_SIZE);
  const firstPage = { page: 1, pageSize: CHOICE_LIMIT, offset: 0 };
  const [environment, agents, tools, connections, page] = await Promise.all([
    getEnvironment(ctx, envId),
    listAgents(ctx, { environment_id: envId }, firstPage),
    listTools(ctx, { environment_id: envId }, firstPage),
    listConnections(ctx, { environment_id: envId }, firstPage),
    query.filters
      ? listRuns(ctx, query.filters, new URL('http://console.invalid/')).catch((e: unknown) =>
          e instanceof AppError && e.code === 'invalid_input' ? e : Promise.reject(e),
        )
      : null,
  ]);
  const badCursor = page instanceof AppError;
  const runs: PublicRun[] = page && !badCursor ? page.results : [];
  const nextCursor = page && !badCursor ? cursorOf(page) : null;
  const names = new Map(agents.results.map((a) => [a.id, a.name]));
  const missing = runs.map((r) => r.agent_id).filter((id) => id && !names.has(id));
  const [more, members] = await Promise.all([agentNames(ctx, missing), userNames(ctx, runs.map((r) => r.user_id))]);
  for (const [id, name] of more) names.set(id, name);
  const connectionNames = new Map(connections.results.map((c) => [c.id, c.name]));
  const filtered = Object.keys(query.values).length > 0;
  const errors = query.errors;

  return (
    <div className="space-y-8">
      {intro}
      <section aria-labelledby="run-list-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="run-list-heading" className="flex items-center gap-2 text-base font-semibold">
            In {environment.name} <EnvironmentTypeBadge type={environment.type} />
          </h2>
          {page && !badCursor && (
            <p className="text-sm text-slate-600" data-testid="runs-count">
              {page.count} run{page.count === 1 ? '' : 's'}
              {filtered ? ' match' : ''}
            </p>
          )}
        </div>

        <form method="get" action={base} className="grid gap-3 sm:grid-cols-3 lg:grid-cols-6" aria-label="Filter runs">
          <Filter label="Status" id="runs-filter-status" errors={errors.status}>
            <select id="runs-filter-status" name="status" defaultValue={query.values.status ?? ''} className={control} aria-invalid={errors.status ? true : undefined}>
              <option value="">Any status</option>
              {RUN_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </Filter>
          <Filter label="Agent" id="runs-filter-agent" errors={errors.agent_id}>
            <select id="runs-filter-agent" name="agent_id" defaultValue={query.values.agent_id ?? ''} className={control} aria-invalid={errors.agent_id ? true : undefined}>
              <option value="">All agents</option>
              {agents.results.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </Filter>
          <Filter label="Tool" id="runs-filter-tool" errors={errors.tool_id}>
            <select id="runs-filter-tool" name="tool_id" defaultValue={query.values.tool_id ?? ''} className={control} aria-invalid={errors.tool_id ? true : undefined}>
              <option value="">All tools</option>
              {tools.results.map((t) => (
                <option key={t.id} value={t.id}>
                  {`${connectionNames.get(t.connection_id) ?? 'connection'}/${t.name}`}
                </option>
              ))}
            </select>
          </Filter>
          <Filter label="From (UTC)" id="runs-filter-since" errors={errors.since}>
            <input
              id="runs-filter-since"
              name="since"
              type="datetime-local"
              defaultValue={query.values.since ?? ''}
              className={control}
              aria-invalid={errors.since ? true : undefined}
            />
          </Filter>
          <Filter label="To (UTC)" id="runs-filter-until" errors={errors.until}>
            <input
              id="runs-filter-until"
              name="until"
              type="datetime-local"
              defaultValue={query.values.until ?? ''}
              className={control}
              aria-invalid={errors.until ? true : undefined}
            />
          </Filter>
          <div className="flex items-end gap-2">
            <button type="submit" className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-100">
              Filter
            </button>
            {filtered && (
              <Link href={base} className="py-2 text-sm text-brand-600 hover:underline">
                Clear
              </Link>
            )}
          </div>
        </form>

        {Object.keys(errors).length > 0 && <Alert>Some filters are not valid; fix them to see runs.</Alert>}
        {badCursor && (
          <Alert>
            This page link is not valid any more.{' '}
            <Link href={runListHref(base, query.values)} className="font-medium underline">
              Show the newest runs
            </Link>
          </Alert>
        )}

        {page && !badCursor && runs.length === 0 ? (
          <div className="space-y-2 text-sm text-slate-600" data-testid="runs-empty">
            {filtered || query.cursor ? (
              <p>No runs match these filters.</p>
            ) : (
              <>
                <p>No runs in {environment.name} yet.</p>
                <p>
                  A run is recorded every time an agent calls a tool through the gateway (over MCP or the REST API), and every
                  time a member runs a tool as an agent from the tool&apos;s page in the console. Refused calls are runs too: their
                  timeline shows which check stopped them, and why.
                </p>
                <p>
                  <Link href={`/orgs/${org.id}/tools`} className="font-medium text-brand-600 hover:underline">
                    Pick a tool to run
                  </Link>
                </p>
              </>
            )}
          </div>
        ) : (
          runs.length > 0 && (
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm" aria-label="Runs">
                <thead className="text-xs uppercase tracking-wide text-slate-500">
                  <tr>
                    <th scope="col" className="py-2 pr-3 font-medium">Time</th>
                    <th scope="col" className="py-2 pr-3 font-medium">Agent</th>
                    <th scope="col" className="py-2 pr-3 font-medium">Target</th>
                    <th scope="col" className="py-2 pr-3 font-medium">Status</th>
                    <th scope="col" className="py-2 pr-3 font-medium">Duration</th>
                    <th scope="col" className="py-2 pr-3 font-medium">Via</th>
                    <th scope="col" className="py-2 font-medium">Error</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {runs.map((r) => (
                    <tr key={r.id} data-testid="run-row" data-run-id={r.id} data-status={r.status} className="align-top">
                      <td className="whitespace-nowrap py-3 pr-3">
                        <Link href={`${base}/${r.id}`} className="font-mono text-xs text-brand-600 hover:underline" aria-label={`Run ${r.id} (${r.target ?? 'unknown target'})`}>
                          {formatUtcSeconds(r.started_at ?? r.created_at)}
                        </Link>
                      </td>
                      <td className="py-3 pr-3">{r.agent_id ? (names.get(r.agent_id) ?? 'unknown agent') : <span className="text-slate-500">deleted agent</span>}</td>
                      <td className="py-3 pr-3 font-mono text-xs" data-testid="run-target">
                        {r.target ?? '—'}
                      </td>
                      <td className="py-3 pr-3">
                        <RunStatusBadge status={r.status} />
                      </td>
                      <td className="whitespace-nowrap py-3 pr-3 font-mono text-xs">{formatDuration(r.duration_ms)}</td>
                      <td className="py-3 pr-3 text-xs text-slate-700">
                        {r.via ?? '—'}
                        {r.user_id && (
                          <span className="block text-slate-500" title={members.get(r.user_id)?.email}>
                            by {members.get(r.user_id)?.name ?? 'a member'}
                          </span>
                        )}
                      </td>
                      <td className="max-w-xs py-3 text-xs text-red-800" title={r.error_text ?? undefined} data-testid="run-error">
                        {r.error_text ? excerpt(r.error_text) : ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        )}

        {(nextCursor || query.cursor) && (
          <nav aria-label="Run pages" className="flex items-center gap-3 pt-1 text-sm">
            {query.cursor && (
              <Link className={pagerLink} href={runListHref(base, query.values)}>
                Newest
              </Link>
            )}
            {nextCursor && (
              <Link className={pagerLink} href={runListHref(base, query.values, nextCursor)}>
                Next page
              </Link>
            )}
          </nav>
        )}
      </section>
    </div>
  );
}

/** The cursor of the next page, from listRuns' `next` link. */
function cursorOf(page: RunPage): string | null {
  return page.next ? new URL(page.next).searchParams.get('cursor') : null;
}

function Filter({ label, id, errors, children }: { label: string; id: string; errors?: string[]; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      {children}
      {errors && <p className="text-xs text-red-600">{errors.join(' ')}</p>}
    </div>
  );
}
