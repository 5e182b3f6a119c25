'use server';
// Policy changes from the console: the same services, schemas and roles as REST (admins and
// owners manage policies, their rules and bindings; every member, viewers included, may evaluate).
// Checked again on every call.
import { invalidInput } from '@/lib/api/errors';
import { orgAction, type ActionInput, type ActionState } from '@/lib/auth/org-action';
import { evaluatePolicy, type EvaluateResult } from '@/lib/policy/evaluate';
import {
  addRule,
  createBinding,
  createPolicy,
  deleteBinding,
  deletePolicy,
  deleteRule,
  getPolicy,
  updatePolicy,
  updateRule,
} from '@/lib/policy/service';
import {
  addBindingForm,
  addRuleForm,
  bindingRefForm,
  createPolicyForm,
  deletePolicyForm,
  editPolicyForm,
  editRuleForm,
  evaluateForm,
  ruleRefForm,
} from './form-schemas';

const policyPath = (p: { organization_id: string; id: string }) => `/orgs/${p.organization_id}/policies/${p.id}`;

export const createPolicyAction = orgAction('policy.manage', createPolicyForm, createPolicy, { redirectTo: policyPath });

export const updatePolicyAction = orgAction(
  'policy.manage',
  editPolicyForm,
  (ctx, { policy_id, ...changes }) => updatePolicy(ctx, policy_id, changes),
  { ok: (p) => `Policy ${p.name} saved (version ${p.version}).` },
);

export const deletePolicyAction = orgAction(
  'policy.manage',
  deletePolicyForm,
  async (ctx, { policy_id, confirm }) => {
    const policy = await getPolicy(ctx, policy_id);
    if (confirm.trim() !== policy.name) throw invalidInput({ confirm: [`Does not match ${policy.name}`] }, 'Nothing was deleted');
    await deletePolicy(ctx, policy.id);
    return policy;
  },
  { redirectTo: (p) => `/orgs/${p.organization_id}/policies` },
);

export const addRuleAction = orgAction(
  'policy.manage',
  addRuleForm,
  // addRule resolves the policy inside this organization: another organization's id is a 404.
  (ctx, { policy_id, ...rule }) => addRule(ctx, policy_id, rule),
  { ok: (r) => `Rule added: ${r.effect} ${r.action} on ${r.target}.` },
);

export const updateRuleAction = orgAction(
  'policy.manage',
  editRuleForm,
  (ctx, { rule_id, ...changes }) => updateRule(ctx, rule_id, changes),
  { ok: (r) => `Rule saved: ${r.effect} ${r.action} on ${r.target}.` },
);

export const deleteRuleAction = orgAction(
  'policy.manage',
  ruleRefForm,
  async (ctx, { rule_id }) => {
    await deleteRule(ctx, rule_id);
    return rule_id;
  },
  { ok: 'Rule deleted.' },
);

export const addBindingAction = orgAction('policy.manage', addBindingForm, createBinding, {
  ok: (b) => `Binding added: ${b.scope_type} at priority ${b.priority}.`,
});

export const deleteBindingAction = orgAction(
  'policy.manage',
  bindingRefForm,
  async (ctx, { binding_id }) => {
    await deleteBinding(ctx, binding_id);
    return binding_id;
  },
  { ok: 'Binding deleted.' },
);

/** The evaluate panel's state: the form's outcome and, when the question was answered, the answer. */
export interface EvaluateState extends ActionState {
  result?: EvaluateResult;
}

export async function evaluateAction(orgId: string, prev: EvaluateState, input: ActionInput): Promise<EvaluateState> {
  let result: EvaluateResult | undefined;
  const run = orgAction('org.read', evaluateForm, async (ctx, request) => {
    result = await evaluatePolicy(ctx, request);
    return result;
  });
  const state = await run(orgId, prev, input);
  return result ? { ...state, result, values: textValues(input) } : state;
}

/** The submitted text, so the panel keeps showing the question next to its answer. */
function textValues(input: ActionInput): Record<string, string> {
  const entries = input instanceof FormData ? [...input.entries()] : Object.entries(input ?? {});
  return Object.fromEntries(entries.filter((e): e is [string, string] => typeof e[1] === 'string' && !e[0].startsWith('$ACTION')));
}
