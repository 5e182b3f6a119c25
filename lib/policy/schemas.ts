// Request bodies of the policy endpoints (/api/v1/orgs/{org_id}/policies/…, /api/v1/policies/…).
// Rule actions and targets are checked for shape here (the engine matches them as globs); rule
// conditions by the engine's own validator, so what is stored is what the engine understands.
import { z } from 'zod';
import { POLICY_EFFECTS, POLICY_SCOPE_TYPES } from '@/db/schema';
import { validateConditions } from './engine';
import { POLICY_ACTIONS } from './types';

export const policyName = z.string().trim().min(1, 'Required').max(200);

const ACTION_GLOB = /^[a-z*][a-z_.*]{0,63}$/;

/** An action from the list, or a glob that matches at least one of them (`tool.*`, `*`). */
export const ruleAction = z
  .string()
  .trim()
  .regex(ACTION_GLOB, 'Use an action such as tool.invoke, or a glob such as tool.* or *')
  .refine((action) => {
    if (!action.includes('*')) return (POLICY_ACTIONS as readonly string[]).includes(action);
    const pattern = new RegExp(`^${action.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`);
    return POLICY_ACTIONS.some((known) => pattern.test(known));
  }, `Matches no action; actions are ${POLICY_ACTIONS.join(', ')}`);

export const TARGET_KINDS = ['tool', 'resource', 'prompt', 'agent', 'sampling', 'elicitation'] as const;

/** `<kind>:<name>`, e.g. tool:github/create_issue, resource:docs/*; or `*` for everything. */
export const ruleTarget = z
  .string()
  .trim()
  .min(1, 'Required')
  .max(1024)
  .refine((t) => !/[\s\u0000-\u001f]/.test(t), 'No whitespace or control characters')
  .refine((t) => {
    if (t === '*') return true;
    const kind = t.slice(0, t.indexOf(':'));
    return t.includes(':') && (kind === '*' || (TARGET_KINDS as readonly string[]).includes(kind));
  }, `Use <kind>:<name> with kind ${TARGET_KINDS.join(', ')} (e.g. tool:<connection>/<tool>), or *`);

export const ruleConditions = z.record(z.string(), z.unknown()).superRefine((conditions, ctx) => {
  const result = validateConditions(conditions);
  if (!result.ok) {
    for (const issue of result.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path.split('.').filter(Boolean) });
  }
});

// Short-form entry: `<tool>` (any connection) or `<connection>/<tool>`, globs allowed.
const SHORT_FORM = /^[A-Za-z0-9_.*-]{1,128}(\/[A-Za-z0-9_.*-]{1,128})?$/;
const shortFormList = z
  .array(z.string().trim().regex(SHORT_FORM, 'Use <tool> or <connection>/<tool> (letters, digits, . _ - and * globs)'))
  .max(1000);

export const rulesJson = z.strictObject({ allow: shortFormList.optional(), deny: shortFormList.optional() });

const policyFields = {
  name: policyName,
  description: z.string().max(4000).nullable(),
  environment_id: z.uuid('Must be an environment id').nullable(),
  is_active: z.boolean(),
  rules_json: rulesJson,
};

export const createPolicySchema = z.strictObject({
  name: policyFields.name,
  description: policyFields.description.optional(),
  environment_id: policyFields.environment_id.optional(),
  is_active: policyFields.is_active.default(true),
  rules_json: policyFields.rules_json.default({}),
});

/** PUT: a full replacement — what is left out takes its default. */
export const replacePolicySchema = z.strictObject({
  name: policyFields.name,
  description: policyFields.description.default(null),
  environment_id: policyFields.environment_id.default(null),
  is_active: policyFields.is_active.default(true),
  rules_json: policyFields.rules_json.default({}),
});

export const patchPolicySchema = z.strictObject(policyFields).partial();

export const policyFiltersSchema = z.object({
  environment_id: z.uuid().optional(),
  is_active: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

const ruleFields = {
  action: ruleAction,
  target: ruleTarget,
  effect: z.enum(POLICY_EFFECTS),
  conditions: ruleConditions,
};

/** POST /orgs/{org_id}/policies/{id}/rules/ (the policy is in the path). */
export const addRuleSchema = z.strictObject({
  action: ruleFields.action,
  target: ruleFields.target,
  effect: ruleFields.effect,
  conditions: ruleFields.conditions.default({}),
});

/** POST /policies/rules/ (the policy is in the body). */
export const createRuleSchema = addRuleSchema.extend({ policy_id: z.uuid('Must be a policy id') });
export const replaceRuleSchema = addRuleSchema;
export const patchRuleSchema = z.strictObject(ruleFields).partial();

const bindingFields = {
  scope_type: z.enum(POLICY_SCOPE_TYPES),
  scope_id: z.string().trim().min(1, 'Required').max(256),
  priority: z.int('Must be a whole number').min(-1_000_000).max(1_000_000),
};

export const createBindingSchema = z.strictObject({
  policy_id: z.uuid('Must be a policy id'),
  scope_type: bindingFields.scope_type,
  scope_id: bindingFields.scope_id,
  priority: bindingFields.priority.default(0),
});
export const replaceBindingSchema = z.strictObject({
  scope_type: bindingFields.scope_type,
  scope_id: bindingFields.scope_id,
  priority: bindingFields.priority.default(0),
});
export const patchBindingSchema = z.strictObject(bindingFields).partial();

export const rowFiltersSchema = z.object({
  policy_id: z.uuid().optional(),
  organization_id: z.uuid().optional(),
});

// Evaluate: `{agent_id | subject, action, target, environment_id?, context?}` (API-NOTES).
const subjectString = z
  .string()
  .trim()
  .regex(/^(agent|user|service_account|role):[^\s]{1,256}$/, 'Use agent:<id>, user:<id>, service_account:<id> or role:<role>');
const subjectObject = z.strictObject({
  agent_id: z.uuid().optional(),
  user_id: z.uuid().optional(),
  service_account_id: z.uuid().optional(),
  roles: z.array(z.string().trim().min(1).max(64)).max(20).optional(),
});

export const evaluateSchema = z
  .strictObject({
    agent_id: z.uuid('Must be an agent id').optional(),
    subject: z.union([subjectString, subjectObject]).optional(),
    action: ruleAction.refine((a) => !a.includes('*'), 'Name one action, not a glob'),
    target: ruleTarget.refine((t) => !t.includes('*'), 'Name one target, not a glob'),
    environment_id: z.uuid('Must be an environment id').optional(),
    organization_id: z.uuid('Must be an organization id').optional(),
    context: z
      .strictObject({
        input: z.unknown().optional(),
        now: z.iso.datetime({ offset: true }).optional(),
      })
      .optional(),
  })
  .refine((b) => b.agent_id || b.subject, { message: 'Name agent_id or subject', path: ['agent_id'] });

export type CreatePolicyInput = z.output<typeof createPolicySchema>;
export type PatchPolicyInput = z.output<typeof patchPolicySchema>;
export type PolicyFilters = z.output<typeof policyFiltersSchema>;
export type AddRuleInput = z.output<typeof addRuleSchema>;
export type PatchRuleInput = z.output<typeof patchRuleSchema>;
export type CreateBindingInput = z.output<typeof createBindingSchema>;
export type PatchBindingInput = z.output<typeof patchBindingSchema>;
export type EvaluateInput = z.output<typeof evaluateSchema>;
