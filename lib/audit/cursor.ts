// Cursor paging for the audit lists. The audit table grows without bound, so lists page by
// keyset — newest first by (ts desc, id desc) — instead of by page number: a page costs the same
// at any depth, and events written meanwhile neither repeat nor skip entries. The cursor is the
// (ts, id) of the last event of the previous page, base64url-encoded; clients treat it as opaque.
import { invalidInput } from '@/lib/api/errors';
import { isUuid } from '@/lib/tenancy/access';

export interface Cursor {
  /** ts with microseconds, UTC (TS_TEXT in chain.ts): exact, unlike a JavaScript Date. */
  ts: string;
  id: string;
}

const TS_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.ts}|${cursor.id}`, 'utf8').toString('base64url');
}

/** The cursor, or a 400 naming the parameter. */
export function decodeCursor(value: string): Cursor {
  const [ts, id, ...rest] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  if (rest.length || !ts || !TS_MICROS.test(ts) || Number.isNaN(Date.parse(ts)) || !isUuid(id)) {
    throw invalidInput({ cursor: ['Invalid cursor'] });
  }
  return { ts, id: id.toLowerCase() };
}

export interface CursorPage<T> {
  results: T[];
  /** The cursor of the next (older) page, or null at the end. */
  nextCursor: string | null;
}

export interface CursorListBody<T> {
  count: null;
  next: string | null;
  previous: null;
  results: T[];
}

/**
 * The list body. `count` is null: counting a table that grows without bound would cost a scan
 * per page. `previous` is null: paging is forward only (keep earlier URLs to go back).
 */
export function cursorListBody<T>(url: URL, page: CursorPage<T>, pageSize: number): CursorListBody<T> {
  let next: string | null = null;
  if (page.nextCursor) {
    const u = new URL(url);
    u.searchParams.set('cursor', page.nextCursor);
    u.searchParams.set('page_size', String(pageSize));
    next = u.toString();
  }
  return { count: null, next, previous: null, results: page.results };
}
