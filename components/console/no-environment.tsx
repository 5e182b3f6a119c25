// Shown by environment-scoped areas (agents, connections…) while the organization has none.
import Link from 'next/link';

export function NoEnvironmentNotice({
  org,
  things,
  canCreate,
  testId,
}: {
  org: { id: string; name: string };
  /** What lives in an environment, plural: "agents", "connections". */
  things: string;
  canCreate: boolean;
  testId: string;
}) {
  return (
    <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600" data-testid={testId}>
      {org.name} has no environment yet, and {things} live in one.{' '}
      <Link href={`/orgs/${org.id}/environments`} className="font-medium text-brand-600 hover:underline">
        {canCreate ? 'Create an environment' : 'See environments'}
      </Link>
      {canCreate ? ' first.' : ' (an admin or owner creates them).'}
    </p>
  );
}
