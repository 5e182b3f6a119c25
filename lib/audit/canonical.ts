// The canonical text of an audit event: the exact bytes its chain hash covers.
//
//   {"id":…,"organization_id":…,"seq":…,"prev_hash":…,"ts":…,"event_type":…,"action":…,
//    "subject":…,"target":…,"decision":…,"rule_id":…,"event_data":…,"context":…}
//
// Top-level keys in that fixed order; absent values are null; ts is ISO 8601 in UTC with
// milliseconds (the database stores ts at millisecond precision — migration 0002 truncates it on
// insert; should a stored value ever carry microseconds, they appear too, so the text always
// describes the stored value exactly); event_data and context with object keys sorted
// recursively (by UTF-16 code units) and numbers as JavaScript prints them, as in RFC 8785 (JCS).
// No whitespace. hash = sha256 hex of the UTF-8 text. An independent verifier can rebuild it
// from an export: everything needed is in the event's JSON.
import { createHash } from 'node:crypto';

/** The prev_hash of event 1 of every chain. */
export const GENESIS_HASH = '';

export interface CanonicalFields {
  id: string;
  organizationId: string | null;
  seq: number;
  prevHash: string;
  /** ISO 8601 UTC, as produced by canonicalTs. */
  ts: string;
  eventType: string;
  action: string;
  subject: string | null;
  target: string | null;
  decision: string | null;
  ruleId: string | null;
  eventData: unknown;
  context: unknown;
}

/** The canonical text's top-level keys, in order. */
export const CANONICAL_KEYS = [
  'id',
  'organization_id',
  'seq',
  'prev_hash',
  'ts',
  'event_type',
  'action',
  'subject',
  'target',
  'decision',
  'rule_id',
  'event_data',
  'context',
] as const;

export function canonicalObject(e: CanonicalFields): Record<(typeof CANONICAL_KEYS)[number], unknown> {
  return {
    id: e.id,
    organization_id: e.organizationId,
    seq: e.seq,
    prev_hash: e.prevHash,
    ts: e.ts,
    event_type: e.eventType,
    action: e.action,
    subject: e.subject,
    target: e.target,
    decision: e.decision,
    rule_id: e.ruleId,
    event_data: e.eventData,
    context: e.context,
  };
}

export function canonicalText(e: CanonicalFields): string {
  const object = canonicalObject(e);
  return `{${CANONICAL_KEYS.map((k) => `${JSON.stringify(k)}:${stableJson(object[k])}`).join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * JSON with object keys sorted at every depth. Written out by hand because JSON.stringify keeps
 * insertion order except for integer-like keys, which it always puts first.
 */
export function stableJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => stableJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The canonical form of a timestamp read from the database as
 * `to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` (see TS_TEXT in chain.ts):
 * milliseconds, or microseconds when the value has any.
 */
export function canonicalTs(microsecondText: string): string {
  return microsecondText.replace(/\.(\d{3})000Z$/, '.$1Z');
}
