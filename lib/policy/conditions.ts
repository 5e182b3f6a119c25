// Conditions on a policy rule: a JSON object whose keys must all hold for the rule to match.
//
//   environment_type  "production" | ["staging", "production"]
//                     the request's environment type equals one of them (none given → fails)
//   time_window       { start: "HH:MM", end: "HH:MM", days?: ["mon", …], timezone?: IANA (UTC) }
//                     local time in [start, end), minute precision; end < start wraps midnight
//                     and the part after midnight belongs to the day the window opened (a Friday
//                     22:00–06:00 window holds on Saturday 03:00); start = end means 24 hours
//                     from start, so 00:00–00:00 with `days` is "on these days, all day"
//   input             { "<dotted.path>": value | {equals: v} | {in: [v…]} | {not_in: [v…]} |
//                       {exists: boolean} }
//                     against the call's input; a plain value means equals; values compare as
//                     JSON (deep, key order ignored); a missing path fails equals/in and holds
//                     for not_in and exists:false. Path segments are own properties only (no
//                     prototype walk) and, in arrays, indices only.
//
// Unknown keys are a validation error rather than ignored: a misspelt condition silently ignored
// would widen an allow.
import type { ConditionIssue, DecisionRequest } from './types';

export const CONDITION_KEYS = ['environment_type', 'time_window', 'input'] as const;
/** Index = Date#getUTCDay(). */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export const INPUT_OPERATORS = ['equals', 'in', 'not_in', 'exists'] as const;

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const TIME_WINDOW_KEYS = new Set(['start', 'end', 'days', 'timezone']);
const OPERATOR_SET: ReadonlySet<string> = new Set(INPUT_OPERATORS);
const ALL_DAYS = 0b1111111;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// Validation (on write: the API answers 400 with these issues) and compilation (on load)

export type ConditionValidation = { ok: true } | { ok: false; issues: ConditionIssue[] };

export function validateConditions(conditions: unknown): ConditionValidation {
  const result = compileConditions(conditions);
  return result.ok ? { ok: true } : result;
}

const OP = { Equals: 0, In: 1, NotIn: 2, Exists: 3 } as const;
type InputOp = (typeof OP)[keyof typeof OP];

interface InputCheck {
  readonly path: string;
  readonly segments: readonly string[];
  readonly op: InputOp;
  /** equals: the value; in/not_in: the list; exists: the boolean. */
  readonly operand: unknown;
}

interface TimeWindow {
  readonly start: number; // minute of day
  readonly end: number;
  readonly days: number; // bit i = WEEKDAYS[i]
  /** null: UTC, read with getUTC* (no Intl call). */
  readonly formatter: Intl.DateTimeFormat | null;
}

export interface CompiledConditions {
  readonly environmentTypes: readonly string[] | null;
  readonly timeWindow: TimeWindow | null;
  readonly input: readonly InputCheck[] | null;
}

export type ConditionsCompilation = { ok: true; conditions: CompiledConditions | null } | { ok: false; issues: ConditionIssue[] };

/** Validates and compiles; `conditions: null` when there is nothing to check. null/undefined count as {}. */
export function compileConditions(raw: unknown): ConditionsCompilation {
  if (raw === null || raw === undefined) return { ok: true, conditions: null };
  const issues: ConditionIssue[] = [];
  if (!isPlainObject(raw)) return { ok: false, issues: [{ path: '', message: 'conditions must be a JSON object' }] };
  for (const key of Object.keys(raw)) {
    if (!(CONDITION_KEYS as readonly string[]).includes(key)) {
      issues.push({ path: key, message: `unknown condition; expected one of ${CONDITION_KEYS.join(', ')}` });
    }
  }
  const environmentTypes = 'environment_type' in raw ? compileEnvironmentType(raw.environment_type, issues) : null;
  const timeWindow = 'time_window' in raw ? compileTimeWindow(raw.time_window, issues) : null;
  const input = 'input' in raw ? compileInput(raw.input, issues) : null;
  if (issues.length > 0) return { ok: false, issues };
  if (!environmentTypes && !timeWindow && !input) return { ok: true, conditions: null };
  return { ok: true, conditions: { environmentTypes, timeWindow, input } };
}

function compileEnvironmentType(value: unknown, issues: ConditionIssue[]): string[] | null {
  const path = 'environment_type';
  if (typeof value === 'string') {
    if (value === '') issues.push({ path, message: 'must not be empty' });
    return [value];
  }
  if (!Array.isArray(value)) {
    issues.push({ path, message: 'must be a string or an array of strings' });
    return null;
  }
  if (value.length === 0) issues.push({ path, message: 'must list at least one environment type' });
  value.forEach((v, i) => {
    if (typeof v !== 'string' || v === '') issues.push({ path: `${path}.${i}`, message: 'must be a non-empty string' });
  });
  return value.filter((v): v is string => typeof v === 'string');
}

function compileTimeWindow(value: unknown, issues: ConditionIssue[]): TimeWindow | null {
  const path = 'time_window';
  if (!isPlainObject(value)) {
    issues.push({ path, message: 'must be an object { start: "HH:MM", end: "HH:MM", days?, timezone? }' });
    return null;
  }
  const before = issues.length;
  for (const key of Object.keys(value)) {
    if (!TIME_WINDOW_KEYS.has(key)) issues.push({ path: `${path}.${key}`, message: 'unknown key; expected start, end, days, timezone' });
  }
  const minute = (key: 'start' | 'end'): number => {
    const v = value[key];
    const m = typeof v === 'string' ? HH_MM.exec(v) : null;
    if (!m) {
      issues.push({ path: `${path}.${key}`, message: v === undefined ? 'is required ("HH:MM", 24-hour)' : 'must be "HH:MM" (24-hour, 00:00–23:59)' });
      return 0;
    }
    return Number(m[1]) * 60 + Number(m[2]);
  };
  const start = minute('start');
  const end = minute('end');
  let days = ALL_DAYS;
  if (value.days !== undefined) {
    if (!Array.isArray(value.days) || value.days.length === 0) {
      issues.push({ path: `${path}.days`, message: `must be a non-empty array of ${WEEKDAYS.join(', ')}` });
    } else {
      days = 0;
      value.days.forEach((d, i) => {
        const index = typeof d === 'string' ? (WEEKDAYS as readonly string[]).indexOf(d) : -1;
        if (index < 0) issues.push({ path: `${path}.days.${i}`, message: `must be one of ${WEEKDAYS.join(', ')}` });
        else days |= 1 << index;
      });
    }
  }
  let formatter: Intl.DateTimeFormat | null = null;
  if (value.timezone !== undefined) {
    const tz = value.timezone;
    if (typeof tz !== 'string' || tz === '') {
      issues.push({ path: `${path}.timezone`, message: 'must be an IANA time zone name, e.g. "Europe/Berlin"' });
    } else if (tz !== 'UTC') {
      formatter = formatterFor(tz);
      if (!formatter) issues.push({ path: `${path}.timezone`, message: `unknown time zone "${tz}"` });
    }
  }
  return issues.length > before ? null : { start, end, days, formatter };
}

function compileInput(value: unknown, issues: ConditionIssue[]): InputCheck[] | null {
  if (!isPlainObject(value)) {
    issues.push({ path: 'input', message: 'must be an object of "<dotted.path>": value or operator' });
    return null;
  }
  const checks: InputCheck[] = [];
  for (const [path, spec] of Object.entries(value)) {
    const at = `input.${path}`;
    const segments = path.split('.');
    if (segments.some((s) => s === '')) {
      issues.push({ path: at, message: 'path must be dot-separated non-empty names, e.g. "options.mode"' });
      continue;
    }
    const keys = isPlainObject(spec) ? Object.keys(spec) : [];
    if (!keys.some((k) => OPERATOR_SET.has(k))) {
      checks.push({ path, segments, op: OP.Equals, operand: spec }); // a plain value (objects too) means equals
      continue;
    }
    const operator = spec as Record<string, unknown>;
    if (keys.length !== 1) {
      issues.push({ path: at, message: `an operator object has exactly one of ${INPUT_OPERATORS.join(', ')}` });
      continue;
    }
    const op = keys[0] as (typeof INPUT_OPERATORS)[number];
    const operand = operator[op];
    if ((op === 'in' || op === 'not_in') && !Array.isArray(operand)) {
      issues.push({ path: `${at}.${op}`, message: 'must be an array of values' });
      continue;
    }
    if (op === 'exists' && typeof operand !== 'boolean') {
      issues.push({ path: `${at}.${op}`, message: 'must be true or false' });
      continue;
    }
    if (op === 'equals' && operand === undefined) {
      issues.push({ path: `${at}.${op}`, message: 'needs a value' });
      continue;
    }
    checks.push({ path, segments, op: op === 'equals' ? OP.Equals : op === 'in' ? OP.In : op === 'not_in' ? OP.NotIn : OP.Exists, operand });
  }
  return checks.length > 0 ? checks : null;
}

// Intl.DateTimeFormat construction costs tens of microseconds; one per time zone, shared.
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(timeZone);
  if (f !== undefined) return f;
  try {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  } catch {
    f = null; // RangeError: not a time zone this runtime knows
  }
  if (formatters.size < 1000) formatters.set(timeZone, f);
  return f;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

const SHORT_DAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Local weekday × 1440 + minute of day. */
function localMinuteOfWeek(formatter: Intl.DateTimeFormat | null, now: Date): number {
  if (!formatter) return now.getUTCDay() * 1440 + now.getUTCHours() * 60 + now.getUTCMinutes();
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of formatter.formatToParts(now)) {
    if (part.type === 'weekday') day = SHORT_DAYS[part.value] ?? 0;
    else if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return day * 1440 + hour * 60 + minute;
}

export function timeWindowHolds(w: TimeWindow, now: Date): boolean {
  const week = localMinuteOfWeek(w.formatter, now);
  const day = Math.floor(week / 1440);
  const m = week - day * 1440;
  // The window opens at `start` and lasts until `end`, into the next day when end <= start
  // (start = end: 24 hours). Minutes before `start` belong to a window opened the day before.
  const length = (w.end - w.start + 1440) % 1440 || 1440;
  if ((m - w.start + 1440) % 1440 >= length) return false;
  const openedOn = m >= w.start ? day : (day + 6) % 7;
  return (w.days & (1 << openedOn)) !== 0;
}

const MISSING = Symbol('missing');
const ARRAY_INDEX = /^(0|[1-9]\d*)$/;

function resolvePath(input: unknown, segments: readonly string[]): unknown {
  let current = input;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null) return MISSING;
    if (Array.isArray(current) && !ARRAY_INDEX.test(segment)) return MISSING;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return MISSING;
    current = (current as Record<string, unknown>)[segment];
  }
  return current === undefined ? MISSING : current;
}

/** Equality of JSON values: deep for arrays and objects, object key order ignored. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || !jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

function inputCheckHolds(c: InputCheck, input: unknown): boolean {
  const value = resolvePath(input, c.segments);
  switch (c.op) {
    case OP.Equals:
      return value !== MISSING && jsonEqual(value, c.operand);
    case OP.In:
      return value !== MISSING && (c.operand as unknown[]).some((v) => jsonEqual(value, v));
    case OP.NotIn:
      return value === MISSING || !(c.operand as unknown[]).some((v) => jsonEqual(value, v));
    default:
      return (value !== MISSING) === c.operand;
  }
}

/**
 * Do all conditions hold? `skipInput`: leave the input part out (listing mode for allow rules).
 * `now` is needed only when there is a time window.
 */
export function conditionsHold(c: CompiledConditions, request: DecisionRequest, now: Date | null, skipInput: boolean): boolean {
  if (c.environmentTypes) {
    const type = request.environmentType;
    if (type === null || type === undefined || !c.environmentTypes.includes(type)) return false;
  }
  if (c.input && !skipInput) {
    const input = request.context?.input;
    for (const check of c.input) if (!inputCheckHolds(check, input)) return false;
  }
  if (c.timeWindow && !timeWindowHolds(c.timeWindow, now ?? request.context?.now ?? new Date())) return false;
  return true;
}
