// The policy console's forms: text in, the API's shapes out, refused with the API's field names —
// and those names shown at the right line or key of the textarea.
import { describe, expect, it } from 'vitest';
import { lineErrors, nestedErrors } from '@/components/policies/field-errors';
import { fieldErrors } from '@/lib/api/validation';
import { addBindingForm, addRuleForm, createPolicyForm, editPolicyForm, evaluateForm } from './form-schemas';

const ID = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

const errors = (result: { success: boolean; error?: Parameters<typeof fieldErrors>[0] }) => (result.success ? {} : fieldErrors(result.error!));

describe('policy form', () => {
  it('turns the textareas into the short form, one entry per non-blank line', () => {
    const result = createPolicyForm.safeParse({ name: 'P', description: '', environment_id: '', is_active: 'true', allow: 'echo\r\n\n  github/* ', deny: '' });
    expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
    expect(result.data).toEqual({ name: 'P', description: null, environment_id: null, is_active: true, rules_json: { allow: ['echo', 'github/*'] } });
  });

  it('an unticked Active box is false, an environment is kept', () => {
    const result = editPolicyForm.safeParse({ policy_id: ID, name: 'P', description: 'd', environment_id: ID, allow: '', deny: 'x/y' });
    expect(result.data).toEqual({ policy_id: ID, name: 'P', description: 'd', environment_id: ID, is_active: false, rules_json: { deny: ['x/y'] } });
  });

  it('refuses bad entries by index, and the form names their lines', () => {
    const allow = 'echo\n\nnot valid!\na/b/c';
    const fields = errors(createPolicyForm.safeParse({ name: 'P', allow, deny: '' }));
    expect(Object.keys(fields).sort()).toEqual(['rules_json.allow.1', 'rules_json.allow.2']);
    const shown = lineErrors(fields, 'rules_json.allow', allow)!;
    expect(shown[0]).toMatch(/^Line 3 \("not valid!"\): Use <tool> or <connection>\/<tool>/);
    expect(shown[1]).toMatch(/^Line 4 \("a\/b\/c"\): /);
    expect(lineErrors(fields, 'rules_json.deny', '')).toBeUndefined();
  });
});

describe('rule form', () => {
  const rule = { policy_id: ID, action: 'tool.invoke', target: 'tool:c/shout', effect: 'deny' };

  it('empty conditions are {}', () => {
    expect(addRuleForm.parse({ ...rule, conditions: '  ' })).toEqual({ ...rule, conditions: {} });
  });

  it('invalid JSON, a non-object and invalid conditions are field errors under conditions', () => {
    expect(errors(addRuleForm.safeParse({ ...rule, conditions: '{"a":' }))).toEqual({ conditions: ['Not valid JSON'] });
    expect(Object.keys(errors(addRuleForm.safeParse({ ...rule, conditions: '[1]' })))).toEqual(['conditions']);
    const fields = errors(addRuleForm.safeParse({ ...rule, conditions: '{"time_window": {"start": "25:00", "end": "10:00"}, "weekday": 1}' }));
    expect(Object.keys(fields).sort()).toEqual(['conditions.time_window.start', 'conditions.weekday']);
    expect(nestedErrors(fields, 'conditions')!.some((m) => m.startsWith('weekday: unknown condition'))).toBe(true);
  });

  it('refuses what REST refuses: a target without a kind, an unknown action', () => {
    const fields = errors(addRuleForm.safeParse({ ...rule, action: 'tool.run', target: 'shout', conditions: '' }));
    expect(Object.keys(fields).sort()).toEqual(['action', 'target']);
  });
});

describe('binding form', () => {
  it('priority text becomes a whole number; blank is the default 0', () => {
    const binding = { policy_id: ID, scope_type: 'role', scope_id: 'admin' };
    expect(addBindingForm.parse({ ...binding, priority: ' -5 ' })).toEqual({ ...binding, priority: -5 });
    expect(addBindingForm.parse({ ...binding, priority: '' })).toEqual({ ...binding, priority: 0 });
    expect(errors(addBindingForm.safeParse({ ...binding, priority: '1.5' }))).toEqual({ priority: ['Must be a whole number'] });
  });
});

describe('evaluate form', () => {
  const ask = { action: 'tool.invoke', target: 'tool:c/echo', input: '', now: '' };

  it('an agent fixes the environment; members and roles are asked about in the selected one', () => {
    expect(evaluateForm.parse({ ...ask, subject: `agent:${ID}`, environment_id: ID })).toEqual({ agent_id: ID, action: 'tool.invoke', target: 'tool:c/echo' });
    expect(evaluateForm.parse({ ...ask, subject: 'role:admin', environment_id: ID })).toEqual({
      subject: 'role:admin',
      environment_id: ID,
      action: 'tool.invoke',
      target: 'tool:c/echo',
    });
  });

  it('input JSON and a datetime-local time (UTC) become the context', () => {
    expect(evaluateForm.parse({ ...ask, subject: 'role:admin', input: '{"text":"hi"}', now: '2026-11-24T10:15' }).context).toEqual({
      input: { text: 'hi' },
      now: '2026-11-24T10:15:00Z',
    });
  });

  it('refuses no subject, bad JSON, and globs in the target', () => {
    expect(errors(evaluateForm.safeParse({ ...ask, subject: '', input: '{' }))).toEqual({ subject: ['Choose an agent, a member or a role'], input: ['Not valid JSON'] });
    expect(Object.keys(errors(evaluateForm.safeParse({ ...ask, subject: 'role:admin', target: 'tool:c/*' })))).toEqual(['target']);
  });
});
