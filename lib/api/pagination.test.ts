// Page-number lists: ?page=&page_size= bounds and the next/previous links.
import { describe, expect, it } from 'vitest';
import { AppError } from './errors';
import { DEFAULT_PAGE_SIZE, listBody, MAX_PAGE_SIZE, parsePage } from './pagination';

const url = (query = '') => new URL(`http://localhost:3000/api/v1/orgs/x/agents/${query}`);

function pageError(query: string): AppError {
  try {
    parsePage(url(query));
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`expected ${query} to be refused`);
}

describe('parsePage', () => {
  it('defaults to the first page of the default size', () => {
    expect(parsePage(url())).toEqual({ page: 1, pageSize: DEFAULT_PAGE_SIZE, offset: 0 });
  });

  it('computes the offset from page and page_size', () => {
    expect(parsePage(url('?page=3&page_size=20'))).toEqual({ page: 3, pageSize: 20, offset: 40 });
    expect(parsePage(url(`?page_size=${MAX_PAGE_SIZE}`)).pageSize).toBe(MAX_PAGE_SIZE);
  });

  it.each([`?page_size=${MAX_PAGE_SIZE + 1}`, '?page_size=0', '?page=0', '?page=-1', '?page=1.5', '?page=abc'])(
    'refuses %s with a 400 naming the parameter',
    (query) => {
      const error = pageError(query);
      expect(error.status).toBe(400);
      const fields = (error.details as { fields: Record<string, string[]> }).fields;
      expect(Object.keys(fields)).toEqual([query.includes('page_size') ? 'page_size' : 'page']);
    },
  );
});

describe('listBody', () => {
  it('links to the next page while results remain, and has no previous on page 1', () => {
    const u = url('?page=1&page_size=2&q=x');
    const body = listBody(u, parsePage(u), 5, ['a', 'b']);
    expect(body.count).toBe(5);
    expect(body.results).toEqual(['a', 'b']);
    expect(body.previous).toBeNull();
    const next = new URL(body.next!);
    expect(next.pathname).toBe('/api/v1/orgs/x/agents/');
    expect(next.searchParams.get('page')).toBe('2');
    expect(next.searchParams.get('page_size')).toBe('2');
    expect(next.searchParams.get('q')).toBe('x'); // filters survive paging
  });

  it('links back from a middle page and stops at the last one', () => {
    const middle = url('?page=2&page_size=2');
    const body = listBody(middle, parsePage(middle), 5, ['c', 'd']);
    expect(new URL(body.previous!).searchParams.get('page')).toBe('1');
    expect(new URL(body.next!).searchParams.get('page')).toBe('3');

    const last = url('?page=3&page_size=2');
    const end = listBody(last, parsePage(last), 5, ['e']);
    expect(end.next).toBeNull();
    expect(new URL(end.previous!).searchParams.get('page')).toBe('2');
  });

  it('has neither link when everything fits on one page', () => {
    const u = url();
    expect(listBody(u, parsePage(u), 0, [])).toEqual({ count: 0, next: null, previous: null, results: [] });
  });
});
