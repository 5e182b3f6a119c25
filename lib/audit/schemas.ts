// Query parameters of the audit endpoints (lists, global feed, export).
import { z } from 'zod';
import { AUDIT_DECISIONS } from '@/db/schema';

export const AUDIT_MAX_PAGE_SIZE = 200;
export const AUDIT_DEFAULT_PAGE_SIZE = 50;

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const ISO_HINT = 'Expected an ISO 8601 timestamp, e.g. 2025-01-31T12:00:00Z or 2025-01-31';

/**
 * An ISO 8601 date or timestamp → Date. A timestamp without an offset, and a bare date, are UTC.
 * A '+' offset sent unencoded in a query string arrives as a space; it is read as '+'.
 */
export const isoTimestamp = z.string().transform((raw, ctx) => {
  const value = raw.trim().replace(/(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$/i, '$1+$2');
  const m = ISO_TIMESTAMP.exec(value);
  const [year, month, day, hour = 0, minute = 0, second = 0] = (m?.slice(1, 7) ?? []).map((v) => (v === undefined ? undefined : Number(v)));
  const valid =
    m !== null &&
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= new Date(Date.UTC(year!, month!, 0)).getUTCDate() &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59;
  if (!valid) {
    ctx.addIssue({ code: 'custom', message: ISO_HINT });
    return z.NEVER;
  }
  let text = value.replace(' ', 'T');
  if (!m[4]) text += 'T00:00:00Z';
  else if (!m[7]) text += 'Z';
  else text = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2').replace(/([+-]\d{2})$/, '$1:00');
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: ISO_HINT });
    return z.NEVER;
  }
  return date;
});

const exact = z.string().trim().min(1).max(500);

const filterFields = {
  subject: exact.optional(),
  action: exact.optional(),
  target: exact.optional(),
  event_type: exact.optional(),
  decision: z.enum(AUDIT_DECISIONS, { error: 'Expected allow or deny' }).optional(),
  /** Inclusive lower bound on ts. */
  ts_from: isoTimestamp.optional(),
  /** Inclusive upper bound on ts. */
  ts_to: isoTimestamp.optional(),
};

const pagingFields = {
  cursor: z.string().max(200).optional(),
  page_size: z.coerce.number().int().min(1).max(AUDIT_MAX_PAGE_SIZE).default(AUDIT_DEFAULT_PAGE_SIZE),
};

function rangeIsOrdered(v: { ts_from?: Date; ts_to?: Date }): boolean {
  return !v.ts_from || !v.ts_to || v.ts_from.getTime() <= v.ts_to.getTime();
}
const rangeError = { path: ['ts_to'], message: 'ts_to must not be before ts_from' };

// Unknown parameters are ignored (not refused): links and UIs add their own.
export const auditFilterSchema = z.object(filterFields).refine(rangeIsOrdered, rangeError);
export const auditListSchema = z.object({ ...filterFields, ...pagingFields }).refine(rangeIsOrdered, rangeError);
export const auditExportSchema = z
  .object({ ...filterFields, format: z.enum(['jsonl', 'csv'], { error: 'Expected jsonl or csv' }).default('jsonl') })
  .refine(rangeIsOrdered, rangeError);

export type AuditFilters = z.output<typeof auditFilterSchema>;
export type AuditListInput = z.output<typeof auditListSchema>;
export type AuditExportInput = z.output<typeof auditExportSchema>;

/** The query string as an object; empty parameters (`?subject=`) count as absent. */
export function queryOf(url: URL): Record<string, string> {
  return Object.fromEntries([...url.searchParams].filter(([, v]) => v !== ''));
}
