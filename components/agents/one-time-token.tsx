'use client';
// The copy-once display of a freshly issued agent token. The token exists only in the state of the
// form that issued it: "Done" remounts that form (the caller's onDone), which drops it; the token
// list and every later page show its jti only.
import { CopyButton } from './copy-button';
import { formatUtc } from './format';

export interface IssuedTokenView {
  token: string;
  jti: string;
  expires_at: string;
  scopes: string[];
}

export function OneTimeToken({
  issued,
  title = 'Token issued',
  onDone,
  children,
}: {
  issued: IssuedTokenView;
  title?: string;
  onDone: () => void;
  /** Extra lines under the title (a link to the agent just created, say). */
  children?: React.ReactNode;
}) {
  const fieldId = `token-${issued.jti}`;
  return (
    <section
      aria-labelledby={`${fieldId}-title`}
      className="space-y-3 rounded-md border border-emerald-300 bg-emerald-50 p-4"
      data-testid="one-time-token"
    >
      <h3 id={`${fieldId}-title`} className="text-sm font-semibold text-emerald-900">
        {title}
      </h3>
      {children}
      <div className="space-y-1">
        <label htmlFor={fieldId} className="block text-sm font-medium text-slate-700">
          New token
        </label>
        <div className="flex flex-wrap items-center gap-2">
          <input
            id={fieldId}
            readOnly
            value={issued.token}
            spellCheck={false}
            autoComplete="off"
            aria-describedby={`${fieldId}-note`}
            onFocus={(e) => e.currentTarget.select()}
            className="block min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-xs"
          />
          <CopyButton value={issued.token} label="Copy token" />
        </div>
      </div>
      <p id={`${fieldId}-note`} className="text-sm font-medium text-amber-900" role="note">
        Copy it now: you won&apos;t see it again. AgentxSuite keeps only its id (jti); if it gets lost, revoke it and
        issue a new one.
      </p>
      <dl className="grid gap-x-4 gap-y-1 text-xs text-slate-700 sm:grid-cols-[auto_1fr]">
        <dt className="font-medium">jti</dt>
        <dd className="font-mono" data-testid="one-time-token-jti">
          {issued.jti}
        </dd>
        <dt className="font-medium">Scopes</dt>
        <dd>{issued.scopes.join(', ')}</dd>
        <dt className="font-medium">Expires</dt>
        <dd>
          <time dateTime={issued.expires_at}>{formatUtc(issued.expires_at)}</time>
        </dd>
      </dl>
      <button
        type="button"
        onClick={onDone}
        className="rounded-md bg-emerald-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-emerald-800"
      >
        Done, I copied it
      </button>
    </section>
  );
}
