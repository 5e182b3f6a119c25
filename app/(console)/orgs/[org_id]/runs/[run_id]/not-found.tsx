// notFound() from a run's page: no such run in this organization (or the organization is not the
// caller's — the same answer, so ids reveal nothing).
import Link from 'next/link';

export default function RunNotFound() {
  return (
    <div className="max-w-xl space-y-3 rounded-lg border border-slate-200 bg-white p-6">
      <h1 className="text-lg font-semibold">Run not found</h1>
      <p className="text-sm text-slate-600" data-testid="run-not-found">
        This page could not be found. The run does not exist, or it belongs to an organization you are not a member of.
      </p>
      <Link href="/orgs" className="text-sm font-medium text-brand-600 hover:underline">
        Your organizations
      </Link>
    </div>
  );
}
