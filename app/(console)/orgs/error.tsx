'use client';
// Unexpected failures in the organization pages. Their messages are masked by Next in production;
// the reference lets an operator find the full error in the server log.
import { Button } from '@/components/ui/button';

export default function OrganizationsError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="max-w-xl space-y-3 rounded-lg border border-red-200 bg-white p-6">
      <h1 className="text-lg font-semibold">Something went wrong</h1>
      <p className="text-sm text-slate-600">
        The request could not be completed. Try again; if it keeps failing, give your operator this reference:{' '}
        <code className="rounded bg-slate-100 px-1">{error.digest ?? 'none'}</code>
      </p>
      <Button type="button" variant="secondary" onClick={reset}>
        Try again
      </Button>
    </div>
  );
}
