// Globs of policy rules and resource namespaces: `*` matches any run of characters, '/' included
// (like fnmatch without FNM_PATHNAME); everything else is literal and case-sensitive; a pattern
// without `*` is an exact match. There is no `?`, no classes and no escape for a literal `*`.
//
// Compiled once into the cheapest check that decides it — equality, startsWith, endsWith, both,
// includes — and otherwise into literal segments found left to right with indexOf. No RegExp:
// patterns are written by organization admins and a backtracking regex such as
// `^.*a.*a.*a.*b$` is exponential on a long target; the segment walk is O(target × pattern) at
// worst. (For `*`-only globs the leftmost occurrence of each middle segment is always a safe
// choice, so no backtracking is needed.)

export const GlobKind = { Exact: 0, Any: 1, Prefix: 2, Suffix: 3, PrefixSuffix: 4, Contains: 5, Segments: 6 } as const;
export type GlobKind = (typeof GlobKind)[keyof typeof GlobKind];

export interface Glob {
  readonly pattern: string;
  readonly kind: GlobKind;
  /** Literal text before the first `*` (the whole pattern for Exact). */
  readonly head: string;
  /** Literal text after the last `*`. */
  readonly tail: string;
  /** Literal segments between the first and the last `*` (Contains: exactly one; Segments: one or more). */
  readonly middle: readonly string[];
  /** Shortest string the pattern can match. */
  readonly minLength: number;
}

export const isGlob = (pattern: string): boolean => pattern.includes('*');

export function compileGlob(pattern: string): Glob {
  const parts = pattern.split('*');
  const head = parts[0] ?? '';
  if (parts.length === 1) return { pattern, kind: GlobKind.Exact, head, tail: '', middle: [], minLength: head.length };
  const tail = parts[parts.length - 1] ?? '';
  // Empty parts come from runs of stars (`a**b` ≡ `a*b`); they constrain nothing.
  const middle = parts.slice(1, -1).filter((p) => p !== '');
  const minLength = head.length + tail.length + middle.reduce((n, p) => n + p.length, 0);
  let kind: GlobKind;
  if (middle.length === 0) {
    kind = head === '' ? (tail === '' ? GlobKind.Any : GlobKind.Suffix) : tail === '' ? GlobKind.Prefix : GlobKind.PrefixSuffix;
  } else if (middle.length === 1 && head === '' && tail === '') {
    kind = GlobKind.Contains;
  } else {
    kind = GlobKind.Segments;
  }
  return { pattern, kind, head, tail, middle, minLength };
}

export function matchGlob(g: Glob, value: string): boolean {
  switch (g.kind) {
    case GlobKind.Exact:
      return value === g.head;
    case GlobKind.Any:
      return true;
    case GlobKind.Prefix:
      return value.startsWith(g.head);
    case GlobKind.Suffix:
      return value.endsWith(g.tail);
    case GlobKind.PrefixSuffix:
      return value.length >= g.minLength && value.startsWith(g.head) && value.endsWith(g.tail);
    case GlobKind.Contains:
      return value.includes(g.middle[0] as string);
    default:
      return matchSegments(g, value);
  }
}

function matchSegments(g: Glob, value: string): boolean {
  if (value.length < g.minLength || !value.startsWith(g.head) || !value.endsWith(g.tail)) return false;
  let pos = g.head.length;
  const end = value.length - g.tail.length;
  for (const segment of g.middle) {
    const at = value.indexOf(segment, pos);
    if (at < 0 || at + segment.length > end) return false;
    pos = at + segment.length;
  }
  return true;
}

/** One-off match; compile once with compileGlob when the pattern is reused. */
export const globMatches = (pattern: string, value: string): boolean => matchGlob(compileGlob(pattern), value);
