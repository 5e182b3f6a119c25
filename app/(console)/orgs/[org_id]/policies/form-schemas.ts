// Console forms send text; the policy services take the API's shapes. These schemas turn one into
// the other and then validate with the API's own schemas (lib/policy/schemas.ts), so the console
// refuses exactly what REST refuses, with messages keyed by the same field names
// (rules_json.allow.2, conditions.time_window.start, priority, context.input…).
import { z } from 'zod';
import {
  addRuleSchema,
  createBindingSchema,
  createPolicySchema,
  evaluateSchema,
  patchPolicySchema,
  patchRuleSchema,
} from '@/lib/policy/schemas';

const isBlank = (value: unknown) => typeof value === 'string' && value.trim() === '';

/** One short-form entry per line; blank lines are not entries (the same split as components/policies/field-errors). */
const linesOf = (text: unknown): string[] =>
  typeof text === 'string'
    ? text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean)
    : [];

/**
 * The policy form: scope '' is organization-wide (null), the Active checkbox is absent when
 * unticked, and the allow/deny textareas become rules_json (a list only when it has entries).
 */
function policyFromForm(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const { allow, deny, is_active: active, description, environment_id: environmentId, ...rest } = raw as Record<string, unknown>;
  const [allowList, denyList] = [linesOf(allow), linesOf(deny)];
  return {
    ...rest,
    description: description === undefined || isBlank(description) ? null : description,
    environment_id: environmentId === undefined || isBlank(environmentId) ? null : environmentId,
    is_active: active === 'true',
    rules_json: { ...(allowList.length ? { allow: allowList } : {}), ...(denyList.length ? { deny: denyList } : {}) },
  };
}

export const createPolicyForm = z.preprocess(policyFromForm, createPolicySchema);

/** The edit form sends every field: what it shows is what the policy becomes. */
export const editPolicyForm = z.preprocess(policyFromForm, patchPolicySchema.extend({ policy_id: z.string() }));

export const policyRefForm = z.strictObject({ policy_id: z.string() });
export const deletePolicyForm = z.strictObject({ policy_id: z.string(), confirm: z.string() });

/** A JSON object typed into a textarea; empty means {}. */
const jsonObjectText = (example: string) =>
  z.string().transform((text, ctx): Record<string, unknown> => {
    if (!text.trim()) return {};
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'Not valid JSON' });
      return z.NEVER;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: `Must be a JSON object, like ${example}` });
      return z.NEVER;
    }
    return value as Record<string, unknown>;
  });

/** The form's parsed text, handed to the API's schema, which judges it as it would a request body. */
const asApiInput = (value: unknown): unknown => value;

const conditionsText = jsonObjectText('{"environment_type": "production"}');

/** Add a rule to the policy in the page: action, target, effect, conditions (JSON). */
export const addRuleForm = z
  .strictObject({
    policy_id: z.string(),
    action: z.string(),
    target: z.string(),
    effect: z.string(),
    conditions: conditionsText.default({}),
  })
  .transform(asApiInput)
  .pipe(addRuleSchema.extend({ policy_id: z.string() }));

export const editRuleForm = z
  .strictObject({
    rule_id: z.string(),
    action: z.string(),
    target: z.string(),
    effect: z.string(),
    conditions: conditionsText.default({}),
  })
  .transform(asApiInput)
  .pipe(patchRuleSchema.extend({ rule_id: z.string() }));

export const ruleRefForm = z.strictObject({ rule_id: z.string() });

/** A binding: the scope id comes from the select (or text box) of the chosen type; priority is text. */
export const addBindingForm = z.preprocess((raw) => {
  if (!raw || typeof raw !== 'object') return raw;
  const { priority, ...rest } = raw as Record<string, unknown>;
  if (priority === undefined || isBlank(priority)) return rest;
  return { ...rest, priority: typeof priority === 'string' && /^\s*-?\d+\s*$/.test(priority) ? Number(priority) : priority };
}, createBindingSchema);

export const bindingRefForm = z.strictObject({ binding_id: z.string() });

/**
 * The evaluate panel: who (`agent:<id>`, `user:<id>` or `role:<role>` from one select), action,
 * target, optional input JSON and time (UTC, from a datetime-local input). An agent fixes the
 * environment; members and roles are asked about in the environment selected in the header.
 */
export const evaluateForm = z
  .strictObject({
    subject: z.string().trim().min(1, 'Choose an agent, a member or a role'),
    environment_id: z.string().optional(),
    action: z.string(),
    target: z.string(),
    input: z
      .string()
      .optional()
      .transform((text, ctx): unknown => {
        if (!text?.trim()) return undefined;
        try {
          return JSON.parse(text);
        } catch {
          ctx.addIssue({ code: 'custom', message: 'Not valid JSON' });
          return z.NEVER;
        }
      }),
    now: z
      .string()
      .optional()
      .transform((text) => {
        const t = text?.trim();
        if (!t) return undefined;
        // datetime-local: "2026-11-24T10:15" (seconds optional), read as UTC.
        return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(t) ? `${t}:00Z` : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(t) ? `${t}Z` : t;
      }),
  })
  .transform(({ subject, environment_id: environmentId, action, target, input, now }): unknown => {
    const context = input === undefined && now === undefined ? undefined : { ...(input !== undefined ? { input } : {}), ...(now ? { now } : {}) };
    const asAgent = subject.startsWith('agent:');
    return {
      ...(asAgent ? { agent_id: subject.slice('agent:'.length) } : { subject }),
      ...(!asAgent && environmentId ? { environment_id: environmentId } : {}),
      action,
      target,
      ...(context ? { context } : {}),
    };
  })
  .pipe(evaluateSchema);
