// The known agent-token scopes as checkboxes. Each has a name of its own (`scope:<name>`): the
// console's form helper keeps one value per name, and the action collects them into a list.
import { AGENT_TOKEN_SCOPE_DESCRIPTIONS, AGENT_TOKEN_SCOPES, type AgentTokenScope } from '@/lib/agents/schemas';

export const SCOPE_FIELD_PREFIX = 'scope:';

export function ScopeCheckboxes({
  legend,
  idPrefix,
  checked,
  submitted,
  hint,
  errors,
}: {
  legend: string;
  idPrefix: string;
  /** Ticked when the form is fresh. */
  checked: (scope: AgentTokenScope) => boolean;
  /** The submitted form after a refusal: ticked as they were sent. */
  submitted?: Record<string, string>;
  hint?: React.ReactNode;
  errors?: string[];
}) {
  const isChecked = (s: AgentTokenScope) => (submitted ? submitted[`${SCOPE_FIELD_PREFIX}${s}`] === 'on' : checked(s));
  return (
    <fieldset
      className="space-y-2"
      aria-invalid={errors?.length ? true : undefined}
      aria-describedby={[hint ? `${idPrefix}-hint` : '', errors?.length ? `${idPrefix}-error` : ''].filter(Boolean).join(' ') || undefined}
    >
      <legend className="text-sm font-medium text-slate-700">{legend}</legend>
      {AGENT_TOKEN_SCOPES.map((s) => (
        <label key={s} htmlFor={`${idPrefix}-${s}`} className="flex items-start gap-2 text-sm">
          <input
            id={`${idPrefix}-${s}`}
            type="checkbox"
            name={`${SCOPE_FIELD_PREFIX}${s}`}
            defaultChecked={isChecked(s)}
            className="mt-0.5"
          />
          <span>
            <code className="font-mono text-xs">{s}</code>
            <span className="text-slate-600"> — {AGENT_TOKEN_SCOPE_DESCRIPTIONS[s]}</span>
          </span>
        </label>
      ))}
      {hint && (
        <p id={`${idPrefix}-hint`} className="text-xs text-slate-600">
          {hint}
        </p>
      )}
      {errors?.length ? (
        <p id={`${idPrefix}-error`} className="text-sm text-red-600">
          {errors.join(' ')}
        </p>
      ) : null}
    </fieldset>
  );
}
