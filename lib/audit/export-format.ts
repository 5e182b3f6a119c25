// Rows of an audit export: JSON Lines (one event per line, exactly the API's event JSON) or CSV
// (RFC 4180, CRLF line ends, JSON columns as JSON text).
import type { AuditEventJson } from './service';

export type ExportFormat = 'jsonl' | 'csv';

export const CSV_COLUMNS = [
  'id',
  'organization_id',
  'ts',
  'event_type',
  'action',
  'subject',
  'target',
  'decision',
  'rule_id',
  'event_data',
  'context',
  'seq',
  'prev_hash',
  'hash',
  'created_at',
] as const satisfies readonly (keyof AuditEventJson)[];

/**
 * One CSV cell. Text a spreadsheet would run as a formula (a leading = + - @, or a tab or
 * carriage return that hides one) gets a leading apostrophe (OWASP "CSV injection"); cells with
 * a quote, comma or line break are quoted, quotes doubled.
 */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function formatEvent(event: AuditEventJson, format: ExportFormat): string {
  if (format === 'jsonl') return `${JSON.stringify(event)}\n`;
  return `${CSV_COLUMNS.map((c) => csvCell(event[c])).join(',')}\r\n`;
}
