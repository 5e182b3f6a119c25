// notFound() from a policy's page: no such policy in this organization (or the organization is not
// the caller's — the same answer, so ids reveal nothing).
import Link from 'next/link';

export default function PolicyNotFound() {
  return (
    <div className="max-w-xl space-y-3 rounded-lg border border-slate-200 bg-white p-6">
      <h1 className="text-lg font-semibold">Policy not found</h1>
      <p className="text-sm text-slate-600" data-testid="policy-not-found">
        This page could not be found. The policy does not exist (it may have been deleted), or it belongs to an organization
        you are not a member of.
      </p>
      <Link href="/orgs" className="text-sm font-medium text-brand-600 hover:underline">
        Your organizations
      </Link>
    </div>
  );
}
