import type { Metadata } from 'next';
import Link from 'next/link';
import { Alert } from '@/components/ui/alert';
import { AppError } from '@/lib/api/errors';
import { fieldErrors } from '@/lib/api/validation';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { auditListSchema } from '@/lib/audit/schemas';
import { listAuditEvents, verifyAuditChain, type AuditEventJson } from '@/lib/audit/service';

export const metadata: Metadata = { title: 'Audit log' };

const FILTERS = [
  { name: 'subject', label: 'Subject', placeholder: 'user:… or agent:…' },
  { name: 'action', label: 'Action', placeholder: 'environment.create' },
  { name: 'target', label: 'Target', placeholder: 'environment:…' },
  { name: 'event_type', label: 'Event type', placeholder: 'membership_created' },
  { name: 'ts_from', label: 'From', placeholder: '2026-11-01' },
  { name: 'ts_to', label: 'To', placeholder: '2026-11-30T23:59:59Z' },
] as const;

type Search = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The filter values present in the query (empty ones dropped), as the API takes them. */
function filtersOf(search: Search): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['subject', 'action', 'target', 'event_type', 'decision', 'ts_from', 'ts_to', 'cursor']) {
    const v = first(search[key])?.trim();
    if (v) out[key] = v;
  }
  return out;
}

export default async function AuditPage({ params, searchParams }: { params: Promise<{ org_id: string }>; searchParams: Promise<Search> }) {
  const { org_id: orgId } = await params;
  const ctx = await pageOrgCtx(orgId, 'audit.read');
  const query = filtersOf(await searchParams);
  const parsed = auditListSchema.safeParse({ ...query, page_size: '50' });
  const [page, chain] = await Promise.all([
    parsed.success ? listAuditEvents(ctx, parsed.data).catch((e: unknown) => (e instanceof AppError ? e : Promise.reject(e))) : null,
    verifyAuditChain(ctx),
  ]);
  const errors = parsed.success ? (page instanceof AppError ? { cursor: [page.message] } : {}) : fieldErrors(parsed.error);
  const events = page && !(page instanceof AppError) ? page.results : [];
  const nextCursor = page && !(page instanceof AppError) ? page.nextCursor : null;
  const { cursor: _cursor, ...filters } = query;
  void _cursor;
  const withFilters = (extra: Record<string, string>) => `?${new URLSearchParams({ ...filters, ...extra }).toString()}`;
  const exportBase = `/api/v1/orgs/${ctx.orgId}/audit/export/`;
  const filtered = Object.keys(filters).length > 0;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Audit log</h1>
          <p className="text-sm text-slate-600">Every change, sign-in failure and refusal in this organization, newest first.</p>
        </div>
        <ChainStatus chain={chain} />
      </div>

      <form method="get" className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-4" aria-label="Filter audit events">
        {FILTERS.map((f) => (
          <div key={f.name} className="space-y-1">
            <label htmlFor={`f-${f.name}`} className="block text-xs font-medium text-slate-600">
              {f.label}
            </label>
            <input
              id={`f-${f.name}`}
              name={f.name}
              defaultValue={filters[f.name] ?? ''}
              placeholder={f.placeholder}
              aria-invalid={errors[f.name] ? true : undefined}
              className="block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm aria-invalid:border-red-500"
            />
            {errors[f.name] && <p className="text-xs text-red-600">{errors[f.name]!.join(' ')}</p>}
          </div>
        ))}
        <div className="space-y-1">
          <label htmlFor="f-decision" className="block text-xs font-medium text-slate-600">
            Decision
          </label>
          <select id="f-decision" name="decision" defaultValue={filters.decision ?? ''} className="block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm">
            <option value="">Any</option>
            <option value="allow">allow</option>
            <option value="deny">deny</option>
          </select>
        </div>
        <div className="flex items-end gap-2">
          <button type="submit" className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700">
            Apply filters
          </button>
          {filtered && (
            <Link href="?" className="rounded-md px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100">
              Clear
            </Link>
          )}
        </div>
      </form>

      {Object.keys(errors).length > 0 && <Alert>Some filters are not valid; fix them to see events.</Alert>}

      <section aria-labelledby="events-heading" className="rounded-lg border border-slate-200 bg-white">
        <div className="flex items-center justify-between border-b border-slate-100 px-4 py-3">
          <h2 id="events-heading" className="text-base font-semibold">
            Events
          </h2>
          <div className="flex gap-2 text-sm">
            <a className="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-100" href={`${exportBase}${withFilters({ format: 'csv' })}`}>
              Export CSV
            </a>
            <a className="rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-100" href={`${exportBase}${withFilters({ format: 'jsonl' })}`}>
              Export JSONL
            </a>
          </div>
        </div>
        {events.length === 0 ? (
          <p className="px-4 py-6 text-sm text-slate-600" data-testid="audit-empty">
            {filtered ? 'No events match these filters.' : 'No events yet.'}
          </p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
                <tr>
                  <th scope="col" className="px-4 py-2 font-medium">Time (UTC)</th>
                  <th scope="col" className="px-4 py-2 font-medium">Action</th>
                  <th scope="col" className="px-4 py-2 font-medium">Subject</th>
                  <th scope="col" className="px-4 py-2 font-medium">Target</th>
                  <th scope="col" className="px-4 py-2 font-medium">Decision</th>
                  <th scope="col" className="px-4 py-2 font-medium">Details</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {events.map((e) => (
                  <EventRow key={e.id} event={e} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {(nextCursor || query.cursor) && (
          <nav aria-label="Audit pages" className="flex justify-between border-t border-slate-100 px-4 py-3 text-sm">
            {query.cursor ? <Link href={withFilters({})}>← Newest</Link> : <span />}
            {nextCursor && <Link href={withFilters({ cursor: nextCursor })}>Older →</Link>}
          </nav>
        )}
      </section>
    </div>
  );
}

function EventRow({ event: e }: { event: AuditEventJson }) {
  return (
    <tr data-testid="audit-row">
      <td className="whitespace-nowrap px-4 py-2 font-mono text-xs text-slate-600">{e.ts.replace('T', ' ').slice(0, 19)}</td>
      <td className="px-4 py-2">
        <span className="font-medium">{e.action}</span>
        <span className="block text-xs text-slate-500">{e.event_type}</span>
      </td>
      <td className="px-4 py-2 font-mono text-xs">{e.subject}</td>
      <td className="px-4 py-2 font-mono text-xs">{e.target}</td>
      <td className="px-4 py-2">
        <span className={`rounded px-1.5 py-0.5 text-xs ${e.decision === 'deny' ? 'bg-red-50 text-red-700' : 'bg-emerald-50 text-emerald-700'}`}>{e.decision}</span>
      </td>
      <td className="px-4 py-2">
        <details>
          <summary className="cursor-pointer text-xs text-brand-600">{e.seq ? `#${e.seq}` : 'pending'}</summary>
          <pre className="mt-1 max-w-md overflow-x-auto rounded bg-slate-50 p-2 text-xs">{JSON.stringify({ data: e.event_data, context: e.context, hash: e.hash }, null, 2)}</pre>
        </details>
      </td>
    </tr>
  );
}

function ChainStatus({ chain }: { chain: Awaited<ReturnType<typeof verifyAuditChain>> }) {
  if (chain.valid) {
    return (
      <p role="status" data-testid="chain-status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
        Chain verified: {chain.checked} event{chain.checked === 1 ? '' : 's'} intact
      </p>
    );
  }
  return (
    <p role="alert" data-testid="chain-status" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      Chain broken at event {chain.first_break?.seq}: {chain.first_break?.reason}
    </p>
  );
}
