// Page-number lists: {count, next, previous, results} with ?page=&page_size= (ARCHITECTURE.md).
import { z } from 'zod';
import { parseInput } from './validation';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

const pageParams = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
});

export interface PageRequest {
  page: number;
  pageSize: number;
  offset: number;
}

export function parsePage(url: URL): PageRequest {
  const { page, page_size } = parseInput(pageParams, {
    page: url.searchParams.get('page') ?? undefined,
    page_size: url.searchParams.get('page_size') ?? undefined,
  });
  return { page, pageSize: page_size, offset: (page - 1) * page_size };
}

export interface ListBody<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export function listBody<T>(url: URL, page: PageRequest, count: number, results: T[]): ListBody<T> {
  const at = (n: number) => {
    const u = new URL(url);
    u.searchParams.set('page', String(n));
    u.searchParams.set('page_size', String(page.pageSize));
    return u.toString();
  };
  return {
    count,
    next: page.offset + results.length < count ? at(page.page + 1) : null,
    previous: page.page > 1 ? at(page.page - 1) : null,
    results,
  };
}
