'use client';
// Agent tokens: issue (shown once), revoke, delete.
import { useActionState, useState } from 'react';
import { errorsAt } from '@/components/agents/field-errors';
import { HintedInput, HintedSelect } from '@/components/agents/fields';
import { OneTimeToken } from '@/components/agents/one-time-token';
import { ScopeCheckboxes } from '@/components/agents/scope-checkboxes';
import { submissionKey } from '@/components/agents/submission-key';
import { FormStatus } from '@/components/console/form-status';
import type { Option } from '@/components/console/select-field';
import { Button } from '@/components/ui/button';
import type { ActionState, BoundFormAction } from '@/lib/auth/org-action';
import type { AgentTokenScope } from '@/lib/agents/schemas';
import type { IssuedTokenState } from './actions';

type TokenAction = (prev: IssuedTokenState, input: FormData) => Promise<IssuedTokenState>;

interface IssueProps {
  action: TokenAction;
  agentId: string;
  lifetimes: readonly Option[];
  defaultLifetime: string;
  /** The service account's allowlist; empty: every scope. */
  allowedScopes: readonly string[];
  scopeHint: string;
}

/** Issues a token and shows it once; "Done" remounts the form, which drops the token for good. */
export function IssueTokenForm(props: IssueProps) {
  const [round, setRound] = useState(0);
  return <IssueTokenFormRound key={round} {...props} onDone={() => setRound((r) => r + 1)} />;
}

function IssueTokenFormRound({ action, agentId, lifetimes, defaultLifetime, allowedScopes, scopeHint, onDone }: IssueProps & { onDone: () => void }) {
  const [state, formAction, pending] = useActionState<IssuedTokenState, FormData>(action, {});
  if (state.issued) return <OneTimeToken issued={state.issued} onDone={onDone} />;
  const allowed = (s: AgentTokenScope) => allowedScopes.length === 0 || allowedScopes.includes(s);
  return (
    <form action={formAction} className="space-y-4" noValidate aria-label="Issue a token">
      <input type="hidden" name="agent_id" value={agentId} />
      <FormStatus state={state} />
      <div key={submissionKey(state)} className="grid gap-4 sm:grid-cols-[14rem_1fr]">
        <div className="space-y-4">
          <HintedSelect
            label="Lifetime"
            name="ttl_seconds"
            id="token-ttl"
            options={lifetimes}
            defaultValue={state.values?.ttl_seconds ?? defaultLifetime}
            errors={errorsAt(state.fields, 'ttl_seconds')}
          />
          <HintedInput
            label="Label (optional)"
            name="name"
            id="token-label"
            maxLength={128}
            defaultValue={state.values?.name}
            errors={errorsAt(state.fields, 'name')}
            hint="Where it is used, e.g. laptop or CI."
          />
        </div>
        <ScopeCheckboxes legend="Scopes" idPrefix="token-scope" checked={allowed} submitted={state.values} errors={errorsAt(state.fields, 'scopes')} hint={scopeHint} />
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? 'Issuing…' : 'Issue token'}
      </Button>
    </form>
  );
}

/** Revokes after a second click; a revoked token is refused from its very next use. */
export function RevokeTokenForm({ action, agentId, jti }: { action: BoundFormAction; agentId: string; jti: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  const short = `${jti.slice(0, 8)}…`;
  return (
    <details open={state.message ? true : undefined}>
      <summary className="inline-flex cursor-pointer list-none rounded-md border border-red-300 px-3 py-1 text-sm font-medium text-red-700 hover:bg-red-50">
        Revoke<span className="sr-only"> token {short}</span>
      </summary>
      <form action={formAction} className="mt-2 max-w-xs space-y-2 rounded-md border border-red-200 bg-red-50/40 p-3">
        <input type="hidden" name="agent_id" value={agentId} />
        <input type="hidden" name="jti" value={jti} />
        <FormStatus state={state} />
        <p className="text-sm text-slate-700">Whoever holds this token is refused from their next request on. This cannot be undone.</p>
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-700 disabled:opacity-60"
        >
          {pending ? 'Revoking…' : `Revoke token ${short}`}
        </button>
      </form>
    </details>
  );
}

/** Forgets a token that can no longer be used; an active one must be revoked first. */
export function DeleteTokenForm({ action, agentId, jti, usable }: { action: BoundFormAction; agentId: string; jti: string; usable: boolean }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  const short = `${jti.slice(0, 8)}…`;
  return (
    <form action={formAction} className="space-y-1">
      <input type="hidden" name="agent_id" value={agentId} />
      <input type="hidden" name="jti" value={jti} />
      <Button
        type="submit"
        variant="secondary"
        disabled={usable || pending}
        title={usable ? 'Revoke it first, or wait until it expires' : undefined}
        aria-label={`Delete token ${short}`}
        className="px-3! py-1!"
      >
        Delete
      </Button>
      <FormStatus state={state} />
    </form>
  );
}
