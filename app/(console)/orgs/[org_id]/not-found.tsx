// notFound() from any page of an organization: it does not exist, or the caller is not a member.
// The two cases look the same on purpose, so ids reveal nothing. Rendered on the server inside
// the console, so it reads the same without JavaScript.
import Link from 'next/link';

export default function OrganizationNotFound() {
  return (
    <div className="max-w-xl space-y-3 rounded-lg border border-slate-200 bg-white p-6">
      <h1 className="text-lg font-semibold">Organization not found</h1>
      <p className="text-sm text-slate-600" data-testid="org-not-found">
        This page could not be found. The organization does not exist, or you are not a member of it.
      </p>
      <Link href="/orgs" className="text-sm font-medium text-brand-600 hover:underline">
        Your organizations
      </Link>
    </div>
  );
}
