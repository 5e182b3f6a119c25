// A stdio server's stderr, kept as a capped tail for health messages and logs. Every line is
// redacted as it arrives — the registration's variable values (plaintext secrets included), bearer
// tokens, key=value credentials and well-known token shapes — so nothing unredacted is ever stored.
import { StringDecoder } from 'node:string_decoder';

export const REDACTED = '[redacted]';
export const STDERR_CAPTURE_CHARS = 64 * 1024;
/** A line without a newline is redacted and stored once it grows this long. */
const MAX_PENDING_CHARS = 8 * 1024;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const CREDENTIAL_PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1$2${REDACTED}`],
  [
    /\b((?:proxy-)?authorization|x-api-key|api[_-]?key|access[_-]?token|refresh[_-]?token|auth[_-]?token|client[_-]?secret|secret|password|passwd|token)(["']?\s*[:=]\s*["']?)(?!\[redacted\]|(?:Bearer|Basic|Token)\s)[^\s"',;&]{4,}/gi,
    `$1$2${REDACTED}`,
  ],
  [
    /\b(sk-[A-Za-z0-9_-]{16,}|sk_(?:live|test)_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})/g,
    REDACTED,
  ],
];

/** Builds a redactor for these known values (and their URL- and JSON-escaped forms). */
export function createRedactor(sensitiveValues: string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const value of sensitiveValues) {
    if (!value) continue;
    forms.add(value);
    forms.add(encodeURIComponent(value));
    forms.add(JSON.stringify(value).slice(1, -1));
  }
  // Longest first, so a value containing another is replaced whole.
  const known = [...forms].sort((a, b) => b.length - a.length);
  const knownPattern = known.length ? new RegExp(known.map(escapeRegExp).join('|'), 'g') : undefined;
  return (text) => {
    let out = knownPattern ? text.replace(knownPattern, REDACTED) : text;
    for (const [pattern, replacement] of CREDENTIAL_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };
}

export class StderrCapture {
  private stored = '';
  private pending = '';
  private readonly decoder = new StringDecoder('utf8');
  private readonly redact: (text: string) => string;

  constructor(
    sensitiveValues: string[],
    private readonly maxChars = STDERR_CAPTURE_CHARS,
  ) {
    this.redact = createRedactor(sensitiveValues);
  }

  write(chunk: Buffer): void {
    this.pending += this.decoder.write(chunk);
    const lastNewline = this.pending.lastIndexOf('\n');
    if (lastNewline >= 0) {
      this.store(this.pending.slice(0, lastNewline + 1));
      this.pending = this.pending.slice(lastNewline + 1);
    }
    if (this.pending.length > MAX_PENDING_CHARS) {
      this.store(this.pending);
      this.pending = '';
    }
  }

  private store(text: string): void {
    this.stored += this.redact(text);
    if (this.stored.length > this.maxChars) this.stored = this.stored.slice(this.stored.length - this.maxChars);
  }

  /** The redacted tail, at most `chars` characters (default: all that is kept). */
  text(chars = this.maxChars): string {
    const all = this.stored + this.redact(this.pending);
    return all.length > chars ? all.slice(all.length - chars) : all;
  }
}
