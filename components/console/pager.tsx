// Previous/next links for a page-numbered list (?page=N).
import Link from 'next/link';

export function Pager({ path, page, pageSize, total }: { path: string; page: number; pageSize: number; total: number }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  const link = 'rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100';
  return (
    <nav aria-label="Pages" className="flex items-center gap-3 pt-3 text-sm text-slate-600">
      {page > 1 && (
        <Link className={link} href={`${path}?page=${page - 1}`}>
          Previous
        </Link>
      )}
      <span>
        Page {page} of {pages}
      </span>
      {page < pages && (
        <Link className={link} href={`${path}?page=${page + 1}`}>
          Next
        </Link>
      )}
    </nav>
  );
}

/** Reads ?page= leniently: anything that is not a positive integer is page 1. */
export function pageFromSearch(value: string | string[] | undefined, pageSize: number) {
  const n = Number(Array.isArray(value) ? value[0] : value);
  const page = Number.isInteger(n) && n > 0 ? n : 1;
  return { page, pageSize, offset: (page - 1) * pageSize };
}
