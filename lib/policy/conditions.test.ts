// Rule conditions: validation with field-level issues (the API's 400 details) and evaluation of
// environment_type, time_window and input.
import { describe, expect, it } from 'vitest';
import { compileConditions, conditionsHold, jsonEqual, validateConditions, type CompiledConditions } from './conditions';
import type { DecisionRequest } from './types';

function compiled(raw: unknown): CompiledConditions {
  const r = compileConditions(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  if (!r.conditions) throw new Error('no conditions');
  return r.conditions;
}

const request = (over: Partial<DecisionRequest> = {}): DecisionRequest => ({
  organizationId: 'o',
  environmentId: 'e',
  subject: { agentId: 'a' },
  action: 'tool.invoke',
  target: 'tool:c/t',
  ...over,
});

const holds = (raw: unknown, over: Partial<DecisionRequest> = {}, skipInput = false) => conditionsHold(compiled(raw), request(over), null, skipInput);
const at = (iso: string) => ({ context: { now: new Date(iso) } });

describe('validateConditions', () => {
  it.each([
    [{}],
    [null],
    [{ environment_type: 'production' }],
    [{ environment_type: ['staging', 'production'] }],
    [{ time_window: { start: '09:00', end: '17:30' } }],
    [{ time_window: { start: '22:00', end: '06:00', days: ['fri', 'sat'], timezone: 'Europe/Berlin' } }],
    [{ time_window: { start: '00:00', end: '00:00', days: ['sun'], timezone: 'UTC' } }],
    [{ input: { mode: 'fast', 'options.limit': { in: [1, 2] }, path: { not_in: ['/etc'] }, dry: { exists: true }, o: { equals: { a: 1 } } } }],
    [{ input: { filter: { field: 'x' } } }], // a plain object without operator keys means equals
    [{ environment_type: 'production', time_window: { start: '08:00', end: '18:00' }, input: { a: 1 } }],
  ])('accepts %j', (c) => {
    expect(validateConditions(c)).toEqual({ ok: true });
  });

  it.each([
    ['not an object', [], ''],
    ['a string', 'x', ''],
    ['unknown key', { environment: 'prod' }, 'environment'],
    ['environment_type number', { environment_type: 3 }, 'environment_type'],
    ['environment_type empty', { environment_type: '' }, 'environment_type'],
    ['environment_type empty list', { environment_type: [] }, 'environment_type'],
    ['environment_type list item', { environment_type: ['prod', 4] }, 'environment_type.1'],
    ['time_window not object', { time_window: '09:00-17:00' }, 'time_window'],
    ['time_window start missing', { time_window: { end: '17:00' } }, 'time_window.start'],
    ['time_window start bad', { time_window: { start: '9:00', end: '17:00' } }, 'time_window.start'],
    ['time_window end 24:00', { time_window: { start: '09:00', end: '24:00' } }, 'time_window.end'],
    ['time_window minutes 60', { time_window: { start: '09:60', end: '10:00' } }, 'time_window.start'],
    ['time_window days empty', { time_window: { start: '09:00', end: '10:00', days: [] } }, 'time_window.days'],
    ['time_window days not array', { time_window: { start: '09:00', end: '10:00', days: 'mon' } }, 'time_window.days'],
    ['time_window day name', { time_window: { start: '09:00', end: '10:00', days: ['mon', 'Tuesday'] } }, 'time_window.days.1'],
    ['time_window timezone', { time_window: { start: '09:00', end: '10:00', timezone: 'Mars/Olympus' } }, 'time_window.timezone'],
    ['time_window timezone type', { time_window: { start: '09:00', end: '10:00', timezone: 1 } }, 'time_window.timezone'],
    ['time_window unknown key', { time_window: { start: '09:00', end: '10:00', tz: 'UTC' } }, 'time_window.tz'],
    ['input not object', { input: ['a'] }, 'input'],
    ['input empty path segment', { input: { 'a..b': 1 } }, 'input.a..b'],
    ['input empty path', { input: { '': 1 } }, 'input.'],
    ['input in not array', { input: { a: { in: 'x' } } }, 'input.a.in'],
    ['input not_in not array', { input: { a: { not_in: 1 } } }, 'input.a.not_in'],
    ['input exists not boolean', { input: { a: { exists: 'yes' } } }, 'input.a.exists'],
    ['input two operators', { input: { a: { in: [1], equals: 1 } } }, 'input.a'],
    ['input operator plus other key', { input: { a: { in: [1], x: 1 } } }, 'input.a'],
  ])('refuses %s with an issue at %j', (_label, c, path) => {
    const r = validateConditions(c);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues.map((i) => i.path)).toContain(path);
      for (const issue of r.issues) expect(issue.message).toBeTruthy();
    }
  });

  it('reports every issue, not only the first', () => {
    const r = validateConditions({ foo: 1, time_window: { start: 'x', end: 'y' }, input: { a: { exists: 1 } } });
    expect(r).toEqual({
      ok: false,
      issues: expect.arrayContaining([
        expect.objectContaining({ path: 'foo' }),
        expect.objectContaining({ path: 'time_window.start' }),
        expect.objectContaining({ path: 'time_window.end' }),
        expect.objectContaining({ path: 'input.a.exists' }),
      ]),
    });
  });

  it('compiles {} and null to nothing to check', () => {
    expect(compileConditions({})).toEqual({ ok: true, conditions: null });
    expect(compileConditions(null)).toEqual({ ok: true, conditions: null });
    expect(compileConditions({ input: {} })).toEqual({ ok: true, conditions: null });
  });
});

describe('environment_type', () => {
  it.each([
    ['production', 'production', true],
    ['production', 'staging', false],
    ['production', 'Production', false],
    [['staging', 'production'], 'staging', true],
    [['staging', 'production'], 'development', false],
    ['production', null, false],
    ['production', undefined, false],
  ])('%j with type %j → %s', (condition, environmentType, expected) => {
    expect(holds({ environment_type: condition }, { environmentType })).toBe(expected);
  });
});

describe('time_window', () => {
  it.each([
    // window, now (UTC), holds
    [{ start: '09:00', end: '17:00' }, '2026-03-04T09:00:00Z', true],
    [{ start: '09:00', end: '17:00' }, '2026-03-04T16:59:59Z', true],
    [{ start: '09:00', end: '17:00' }, '2026-03-04T17:00:00Z', false], // end is exclusive
    [{ start: '09:00', end: '17:00' }, '2026-03-04T08:59:00Z', false],
    // wraps midnight
    [{ start: '22:00', end: '06:00' }, '2026-03-04T23:30:00Z', true],
    [{ start: '22:00', end: '06:00' }, '2026-03-04T05:59:00Z', true],
    [{ start: '22:00', end: '06:00' }, '2026-03-04T06:00:00Z', false],
    [{ start: '22:00', end: '06:00' }, '2026-03-04T12:00:00Z', false],
    // start = end: 24 hours …
    [{ start: '00:00', end: '00:00' }, '2026-03-04T13:37:00Z', true],
    // … 24 hours from start: Friday 03:00 is still in Thursday's 06:00–06:00 window
    [{ start: '06:00', end: '06:00', days: ['thu'] }, '2026-03-06T03:00:00Z', true],
    [{ start: '06:00', end: '06:00', days: ['thu'] }, '2026-03-05T03:00:00Z', false],
    [{ start: '06:00', end: '06:00', days: ['thu'] }, '2026-03-05T06:00:00Z', true],
    [{ start: '06:00', end: '06:00', days: ['thu'] }, '2026-03-06T05:59:00Z', true],
    [{ start: '06:00', end: '06:00', days: ['thu'] }, '2026-03-06T06:00:00Z', false],
    // days: 2026-03-06 is a Friday, 2026-03-07 a Saturday
    [{ start: '09:00', end: '17:00', days: ['fri'] }, '2026-03-06T10:00:00Z', true],
    [{ start: '09:00', end: '17:00', days: ['fri'] }, '2026-03-07T10:00:00Z', false],
    [{ start: '00:00', end: '00:00', days: ['sat', 'sun'] }, '2026-03-07T10:00:00Z', true],
    [{ start: '00:00', end: '00:00', days: ['sat', 'sun'] }, '2026-03-06T23:59:00Z', false],
    // the part after midnight belongs to the day the window opened
    [{ start: '22:00', end: '06:00', days: ['fri'] }, '2026-03-06T23:00:00Z', true],
    [{ start: '22:00', end: '06:00', days: ['fri'] }, '2026-03-07T03:00:00Z', true],
    [{ start: '22:00', end: '06:00', days: ['fri'] }, '2026-03-06T03:00:00Z', false], // Thursday's night
    [{ start: '22:00', end: '06:00', days: ['sat'] }, '2026-03-07T03:00:00Z', false],
    [{ start: '22:00', end: '06:00', days: ['sun'] }, '2026-03-02T01:00:00Z', true], // Monday 01:00 is Sunday's night
    // time zones: 08:30Z is 09:30 in Berlin (CET, UTC+1 in early March), 03:30 in New York (EST)
    [{ start: '09:00', end: '17:00', timezone: 'Europe/Berlin' }, '2026-03-04T08:30:00Z', true],
    [{ start: '09:00', end: '17:00', timezone: 'America/New_York' }, '2026-03-04T08:30:00Z', false],
    [{ start: '09:00', end: '17:00', timezone: 'UTC' }, '2026-03-04T08:30:00Z', false],
    // summer time: 07:30Z is 09:30 in Berlin (CEST, UTC+2) in July
    [{ start: '09:00', end: '17:00', timezone: 'Europe/Berlin' }, '2026-07-01T07:30:00Z', true],
    // the local day, not the UTC day: Friday 23:30Z is Saturday 00:30 in Berlin
    [{ start: '00:00', end: '01:00', days: ['sat'], timezone: 'Europe/Berlin' }, '2026-03-06T23:30:00Z', true],
    [{ start: '00:00', end: '01:00', days: ['sat'] }, '2026-03-06T23:30:00Z', false],
    // a half-hour zone: 04:00Z is 09:30 in Kolkata
    [{ start: '09:30', end: '09:31', timezone: 'Asia/Kolkata' }, '2026-03-04T04:00:00Z', true],
  ])('%j at %s → %s', (window, now, expected) => {
    expect(holds({ time_window: window }, at(now))).toBe(expected);
  });

  it('uses the clock when the request brings no time', () => {
    expect(holds({ time_window: { start: '00:00', end: '00:00' } })).toBe(true);
  });
});

describe('input', () => {
  const input = { mode: 'fast', limit: 5, options: { deep: { flag: true }, tags: ['a', 'b'] }, list: [{ name: 'x' }], nothing: null };
  const withInput = { context: { input } };

  it.each([
    [{ mode: 'fast' }, true],
    [{ mode: 'slow' }, false],
    [{ mode: { equals: 'fast' } }, true],
    [{ limit: 5 }, true],
    [{ limit: '5' }, false], // no type coercion
    [{ 'options.deep.flag': true }, true],
    [{ 'options.deep': { flag: true } }, true], // deep equal, plain object value
    [{ 'options.deep': { equals: { flag: true } } }, true],
    [{ 'options.tags': ['a', 'b'] }, true],
    [{ 'options.tags': ['b', 'a'] }, false], // arrays are ordered
    [{ 'options.tags.1': 'b' }, true], // array index
    [{ 'options.tags.length': 2 }, false], // not a property walk: indices only
    [{ 'list.0.name': 'x' }, true],
    [{ nothing: null }, true],
    [{ mode: { in: ['fast', 'exact'] } }, true],
    [{ mode: { in: ['exact'] } }, false],
    [{ 'options.deep': { in: [{ flag: true }] } }, true],
    [{ mode: { not_in: ['slow'] } }, true],
    [{ mode: { not_in: ['fast'] } }, false],
    [{ mode: { exists: true } }, true],
    [{ mode: { exists: false } }, false],
    [{ nothing: { exists: true } }, true], // null is a value
    // missing paths
    [{ missing: 'x' }, false],
    [{ missing: { equals: null } }, false],
    [{ missing: { in: ['x'] } }, false],
    [{ missing: { not_in: ['x'] } }, true],
    [{ missing: { exists: false } }, true],
    [{ missing: { exists: true } }, false],
    [{ 'mode.length': 4 }, false], // strings have no properties here
    [{ 'options.deep.flag.x': true }, false],
    // no prototype walk
    [{ constructor: { exists: true } }, false],
    [{ 'options.__proto__': { exists: true } }, false],
    [{ 'mode.toString': { exists: true } }, false],
    // all keys must hold
    [{ mode: 'fast', limit: 5 }, true],
    [{ mode: 'fast', limit: 6 }, false],
  ])('%j → %s', (condition, expected) => {
    expect(holds({ input: condition }, withInput)).toBe(expected);
  });

  it('treats a call without input as all paths missing', () => {
    expect(holds({ input: { a: { exists: false }, b: { not_in: [1] } } })).toBe(true);
    expect(holds({ input: { a: 1 } })).toBe(false);
    expect(holds({ input: { a: 1 } }, { context: { input: 'not an object' } })).toBe(false);
  });

  it('can be left out (listing mode for allow rules), other conditions still apply', () => {
    expect(holds({ input: { a: 1 } }, {}, true)).toBe(true);
    expect(holds({ input: { a: 1 }, environment_type: 'production' }, { environmentType: 'development' }, true)).toBe(false);
    expect(holds({ input: { a: 1 }, environment_type: 'production' }, { environmentType: 'production' }, true)).toBe(true);
  });
});

describe('all conditions together', () => {
  const c = { environment_type: 'production', time_window: { start: '09:00', end: '17:00' }, input: { mode: 'safe' } };
  it.each([
    [{ environmentType: 'production', context: { now: new Date('2026-03-04T10:00:00Z'), input: { mode: 'safe' } } }, true],
    [{ environmentType: 'staging', context: { now: new Date('2026-03-04T10:00:00Z'), input: { mode: 'safe' } } }, false],
    [{ environmentType: 'production', context: { now: new Date('2026-03-04T18:00:00Z'), input: { mode: 'safe' } } }, false],
    [{ environmentType: 'production', context: { now: new Date('2026-03-04T10:00:00Z'), input: { mode: 'unsafe' } } }, false],
  ])('%j → %s', (over, expected) => {
    expect(holds(c, over)).toBe(expected);
  });
});

describe('jsonEqual', () => {
  it('compares JSON deeply, ignoring key order', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual(1, 1)).toBe(true);
    expect(jsonEqual('1', 1)).toBe(false);
  });
});
