// The runs list's query string: filters as the form sends them (times as datetime-local, read as
// UTC), checked with the REST API's schema, and kept on every "older runs" link.
import { fieldErrors } from '@/lib/api/validation';
import { runFiltersSchema, type RunFilters } from '@/lib/runs/schemas';

export const RUN_FILTER_NAMES = ['status', 'agent_id', 'tool_id', 'since', 'until'] as const;
export type RunFilterName = (typeof RUN_FILTER_NAMES)[number];

type Search = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** "2026-11-24T10:15" (a datetime-local input, in UTC) → "2026-11-24T10:15:00Z"; anything else as given. */
export function utcFromLocalInput(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return `${value}:00Z`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value)) return `${value}Z`;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${value}T00:00:00Z`;
  return value;
}

export interface RunQuery {
  /** The filters as typed (empty ones dropped): what the form shows and the links carry. */
  values: Partial<Record<RunFilterName, string>>;
  cursor: string | null;
  /** For listRuns, when every filter is valid. */
  filters: RunFilters | null;
  errors: Record<string, string[]>;
}

export function readRunQuery(search: Search, environmentId: string, pageSize: number): RunQuery {
  const values: RunQuery['values'] = {};
  for (const name of RUN_FILTER_NAMES) {
    const v = first(search[name])?.trim();
    if (v) values[name] = v;
  }
  const cursor = first(search.cursor)?.trim() || null;
  const parsed = runFiltersSchema.safeParse({
    ...values,
    ...(values.since ? { since: utcFromLocalInput(values.since) } : {}),
    ...(values.until ? { until: utcFromLocalInput(values.until) } : {}),
    environment_id: environmentId,
    ...(cursor ? { cursor } : {}),
    page_size: pageSize,
  });
  if (!parsed.success) return { values, cursor, filters: null, errors: fieldErrors(parsed.error) };
  const { since, until } = parsed.data;
  if (since && until && Date.parse(since) > Date.parse(until)) {
    return { values, cursor, filters: null, errors: { until: ['Must not be before From'] } };
  }
  return { values, cursor, filters: parsed.data, errors: {} };
}

/** The list's URL with these filters (and a page cursor). */
export function runListHref(base: string, values: RunQuery['values'], cursor?: string | null): string {
  const params = new URLSearchParams(Object.entries(values).filter((e): e is [string, string] => Boolean(e[1])));
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return query ? `${base}?${query}` : base;
}
