'use client';
// The policy editor's forms: the policy itself (with its short form), its rules and its bindings.
// Every rule the server checks is said next to its field; the server's refusal lands there too,
// per short-form line and per condition key.
import { useActionState, useState } from 'react';
import { errorsAt } from '@/components/agents/field-errors';
import { HintedInput, HintedSelect, HintedTextarea } from '@/components/agents/fields';
import { submissionKey } from '@/components/agents/submission-key';
import { FormStatus } from '@/components/console/form-status';
import type { Option } from '@/components/console/select-field';
import { lineErrors, nestedErrors } from '@/components/policies/field-errors';
import { CheckboxField, ListTextarea, Suggestions } from '@/components/policies/fields';
import { SCOPE_ID_HINTS, SCOPE_TYPE_OPTIONS, type ListedScopeType, type ScopeChoices } from '@/components/policies/scope-choices';
import { Button } from '@/components/ui/button';
import type { ActionState, BoundFormAction } from '@/lib/auth/org-action';
import { POLICY_ACTIONS } from '@/lib/policy/types';

// ---------------------------------------------------------------------------------------------
// The policy

export interface PolicyFieldValues {
  name: string;
  description: string;
  environment_id: string;
  is_active: boolean;
  allow: string;
  deny: string;
}

export const NEW_POLICY_VALUES: PolicyFieldValues = { name: '', description: '', environment_id: '', is_active: true, allow: '', deny: '' };

function submitted(start: PolicyFieldValues, values?: Record<string, string>): PolicyFieldValues {
  if (!values) return start;
  return {
    name: values.name ?? start.name,
    description: values.description ?? start.description,
    environment_id: values.environment_id ?? start.environment_id,
    // An unticked checkbox sends nothing: after a submission its absence means unticked.
    is_active: values.is_active === 'true',
    allow: values.allow ?? start.allow,
    deny: values.deny ?? start.deny,
  };
}

const SHORT_FORM_HINT = (
  <>
    One entry per line: <code>echo</code> (the tool echo on any connection), <code>github/create_issue</code> (one connection&apos;s
    tool), <code>github/*</code> (all its tools). Letters, digits, <code>. _ -</code> and <code>*</code>.
  </>
);

function PolicyFields({
  idPrefix,
  values,
  fields,
  scopes,
}: {
  idPrefix: string;
  values: PolicyFieldValues;
  fields?: Record<string, string[]>;
  scopes: readonly Option[];
}) {
  return (
    <div className="space-y-4">
      <HintedInput
        label="Name"
        name="name"
        id={`${idPrefix}-name`}
        required
        maxLength={200}
        autoComplete="off"
        defaultValue={values.name}
        errors={errorsAt(fields, 'name')}
        hint="Unique in the organization; explanations name the policy by it."
      />
      <HintedTextarea
        label="Description (optional)"
        name="description"
        id={`${idPrefix}-description`}
        rows={2}
        maxLength={4000}
        defaultValue={values.description}
        errors={errorsAt(fields, 'description')}
      />
      <HintedSelect
        label="Scope"
        name="environment_id"
        id={`${idPrefix}-scope`}
        options={scopes}
        defaultValue={values.environment_id}
        errors={errorsAt(fields, 'environment_id')}
        hint="Organization-wide policies apply in every environment; an environment's policies only to requests there."
      />
      <CheckboxField
        label="Active"
        name="is_active"
        id={`${idPrefix}-active`}
        defaultChecked={values.is_active}
        hint="An inactive policy is kept but never applies."
      />
      <div className="grid gap-4 md:grid-cols-2">
        <ListTextarea
          label="Allow (short form)"
          name="allow"
          id={`${idPrefix}-allow`}
          rows={5}
          placeholder={'echo\ngithub/*'}
          defaultValue={values.allow}
          errors={lineErrors(fields, 'rules_json.allow', values.allow)}
          hint={SHORT_FORM_HINT}
        />
        <ListTextarea
          label="Deny (short form)"
          name="deny"
          id={`${idPrefix}-deny`}
          rows={5}
          placeholder="github/delete_repo"
          defaultValue={values.deny}
          errors={lineErrors(fields, 'rules_json.deny', values.deny)}
          hint="The same format. Short-form entries are tool.invoke rules without conditions."
        />
      </div>
      {errorsAt(fields, 'rules_json') && !errorsAt(fields, 'rules_json.allow') && !errorsAt(fields, 'rules_json.deny') && (
        <p className="text-sm text-red-600">{errorsAt(fields, 'rules_json')!.join(' ')}</p>
      )}
    </div>
  );
}

export function CreatePolicyForm({ action, scopes }: { action: BoundFormAction; scopes: readonly Option[] }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <FormStatus state={state} />
      <PolicyFields key={submissionKey(state)} idPrefix="new-policy" values={submitted(NEW_POLICY_VALUES, state.values)} fields={state.fields} scopes={scopes} />
      <Button type="submit" disabled={pending}>
        {pending ? 'Creating…' : 'Create policy'}
      </Button>
    </form>
  );
}

export function EditPolicyForm({
  action,
  policyId,
  values,
  scopes,
}: {
  action: BoundFormAction;
  policyId: string;
  values: PolicyFieldValues;
  scopes: readonly Option[];
}) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  // After a save the page shows the stored policy; after a refusal, what was typed.
  const shown = state.fields || state.message ? submitted(values, state.values) : values;
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <input type="hidden" name="policy_id" value={policyId} />
      <FormStatus state={state} />
      <PolicyFields key={`${submissionKey(state)}-${JSON.stringify(values)}`} idPrefix={`policy-${policyId}`} values={shown} fields={state.fields} scopes={scopes} />
      <Button type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Save policy'}
      </Button>
    </form>
  );
}

// ---------------------------------------------------------------------------------------------
// Rules

const ACTION_OPTIONS: Option[] = [...POLICY_ACTIONS.map((a) => ({ value: a, label: a })), { value: '*', label: '* (every action)' }];
const EFFECT_OPTIONS: Option[] = [
  { value: 'allow', label: 'allow' },
  { value: 'deny', label: 'deny' },
];

export interface RuleFieldValues {
  action: string;
  target: string;
  effect: string;
  conditions: string;
}

const NEW_RULE_VALUES: RuleFieldValues = { action: 'tool.invoke', target: '', effect: 'allow', conditions: '' };

const CONDITIONS_HINT = (
  <>
    Optional JSON object; every key must hold. <code>{'{"environment_type": "production"}'}</code>,{' '}
    <code>{'{"time_window": {"start": "09:00", "end": "17:00", "days": ["mon","fri"], "timezone": "Europe/Berlin"}}'}</code>,{' '}
    <code>{'{"input": {"repo": {"in": ["a", "b"]}}}'}</code> (input conditions are checked at call time).
  </>
);

function RuleFields({
  idPrefix,
  values,
  fields,
  targets,
}: {
  idPrefix: string;
  values: RuleFieldValues;
  fields?: Record<string, string[]>;
  targets: readonly string[];
}) {
  // An action stored as a glob other than * (e.g. tool.*) stays choosable.
  const actions = ACTION_OPTIONS.some((o) => o.value === values.action) ? ACTION_OPTIONS : [...ACTION_OPTIONS, { value: values.action, label: values.action }];
  return (
    <div className="space-y-3">
      <div className="grid gap-3 md:grid-cols-[12rem_1fr_8rem]">
        <HintedSelect label="Action" name="action" id={`${idPrefix}-action`} options={actions} defaultValue={values.action} errors={errorsAt(fields, 'action')} />
        <div>
          <HintedInput
            label="Target"
            name="target"
            id={`${idPrefix}-target`}
            list={`${idPrefix}-targets`}
            required
            spellCheck={false}
            autoComplete="off"
            placeholder="tool:<connection>/<tool>"
            defaultValue={values.target}
            errors={errorsAt(fields, 'target')}
            hint="tool:<connection>/<tool>, globs allowed (tool:github/*, tool:*/echo); or resource:…, prompt:…, *."
          />
          <Suggestions id={`${idPrefix}-targets`} values={targets} />
        </div>
        <HintedSelect label="Effect" name="effect" id={`${idPrefix}-effect`} options={EFFECT_OPTIONS} defaultValue={values.effect} errors={errorsAt(fields, 'effect')} />
      </div>
      <ListTextarea
        label="Conditions (JSON)"
        name="conditions"
        id={`${idPrefix}-conditions`}
        rows={3}
        placeholder="{}"
        defaultValue={values.conditions}
        errors={nestedErrors(fields, 'conditions')}
        hint={CONDITIONS_HINT}
      />
    </div>
  );
}

const ruleValues = (start: RuleFieldValues, values?: Record<string, string>): RuleFieldValues =>
  values
    ? { action: values.action ?? start.action, target: values.target ?? start.target, effect: values.effect ?? start.effect, conditions: values.conditions ?? start.conditions }
    : start;

export function AddRuleForm({ action, policyId, targets }: { action: BoundFormAction; policyId: string; targets: readonly string[] }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  const failed = Boolean(state.fields || state.message);
  return (
    <form action={formAction} aria-label="Add a rule" className="space-y-3 rounded-md border border-slate-200 p-4" noValidate>
      <h3 className="text-sm font-semibold">Add rule</h3>
      <input type="hidden" name="policy_id" value={policyId} />
      <FormStatus state={state} />
      <RuleFields
        key={submissionKey(state)}
        idPrefix="new-rule"
        values={failed ? ruleValues(NEW_RULE_VALUES, state.values) : NEW_RULE_VALUES}
        fields={state.fields}
        targets={targets}
      />
      <Button type="submit" disabled={pending}>
        {pending ? 'Adding…' : 'Add rule'}
      </Button>
    </form>
  );
}

export function EditRuleForm({
  action,
  ruleId,
  values,
  targets,
}: {
  action: BoundFormAction;
  ruleId: string;
  values: RuleFieldValues;
  targets: readonly string[];
}) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  const failed = Boolean(state.fields || state.message);
  return (
    <details open={failed || undefined}>
      <summary className="inline-flex cursor-pointer list-none rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100">
        Edit<span className="sr-only"> rule {ruleId}</span>
      </summary>
      <form action={formAction} className="mt-2 w-[min(48rem,80vw)] space-y-3 rounded-md border border-slate-200 bg-white p-4" noValidate>
        <input type="hidden" name="rule_id" value={ruleId} />
        <FormStatus state={state} />
        <RuleFields
          key={`${submissionKey(state)}-${JSON.stringify(values)}`}
          idPrefix={`rule-${ruleId}`}
          values={failed ? ruleValues(values, state.values) : values}
          fields={state.fields}
          targets={targets}
        />
        <Button type="submit" disabled={pending}>
          {pending ? 'Saving…' : 'Save rule'}
        </Button>
      </form>
    </details>
  );
}

/** A row's delete button: one form per row, its outcome next to it. */
export function DeleteRowForm({ action, hidden, label }: { action: BoundFormAction; hidden: Record<string, string>; label: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  return (
    <form action={formAction} className="space-y-1">
      {Object.entries(hidden).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      <Button type="submit" variant="secondary" disabled={pending} aria-label={label} className="px-3! py-1! text-red-700!">
        {pending ? 'Deleting…' : 'Delete'}
      </Button>
      {state.message && <FormStatus state={state} />}
    </form>
  );
}

// ---------------------------------------------------------------------------------------------
// Bindings

export function AddBindingForm({ action, policyId, choices }: { action: BoundFormAction; policyId: string; choices: ScopeChoices }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(action, {});
  const failed = Boolean(state.fields || state.message);
  const [scopeType, setScopeType] = useState(failed ? (state.values?.scope_type ?? 'agent') : 'agent');
  const listed = scopeType !== 'resource_ns' ? choices[scopeType as ListedScopeType] : null;
  const scopeErrors = errorsAt(state.fields, 'scope_id');
  return (
    <form action={formAction} aria-label="Add a binding" className="space-y-3 rounded-md border border-slate-200 p-4" noValidate>
      <h3 className="text-sm font-semibold">Add binding</h3>
      <input type="hidden" name="policy_id" value={policyId} />
      <FormStatus state={state} />
      <div key={submissionKey(state)} className="grid gap-3 md:grid-cols-[16rem_1fr_8rem]">
        <HintedSelect
          label="Scope type"
          name="scope_type"
          id="new-binding-type"
          options={SCOPE_TYPE_OPTIONS}
          value={scopeType}
          onChange={(e) => setScopeType(e.target.value)}
          errors={errorsAt(state.fields, 'scope_type')}
        />
        {listed ? (
          <HintedSelect
            key={scopeType}
            label="Applies to"
            name="scope_id"
            id="new-binding-scope"
            options={[{ value: '', label: listed.length ? '— choose —' : '— none in this organization —' }, ...listed]}
            defaultValue={failed && state.values?.scope_type === scopeType ? (state.values?.scope_id ?? '') : ''}
            errors={scopeErrors}
            hint={SCOPE_ID_HINTS[scopeType]}
          />
        ) : (
          <HintedInput
            key={scopeType}
            label="Applies to"
            name="scope_id"
            id="new-binding-scope"
            spellCheck={false}
            autoComplete="off"
            placeholder="tool:github/"
            defaultValue={failed ? (state.values?.scope_id ?? '') : ''}
            errors={scopeErrors}
            hint={SCOPE_ID_HINTS.resource_ns}
          />
        )}
        <HintedInput
          label="Priority"
          name="priority"
          id="new-binding-priority"
          type="number"
          step={1}
          inputMode="numeric"
          defaultValue={failed ? (state.values?.priority ?? '0') : '0'}
          errors={errorsAt(state.fields, 'priority')}
          hint="Higher wins."
        />
      </div>
      <Button type="submit" disabled={pending}>
        {pending ? 'Adding…' : 'Add binding'}
      </Button>
    </form>
  );
}
