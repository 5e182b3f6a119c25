// Globs of policy rules: `*` is any run of characters ('/' included), the rest literal and
// case-sensitive, no `*` = exact.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, GlobKind, globMatches, isGlob, matchGlob } from './glob';

/** Reference: fnmatch-like regex, fine for the short patterns generated here. */
const reference = (pattern: string, value: string) =>
  new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('[\\s\\S]*')}$`).test(value);

describe('globs', () => {
  it.each([
    // pattern, value, matches
    ['tool:conn/echo', 'tool:conn/echo', true],
    ['tool:conn/echo', 'tool:conn/echo2', false],
    ['tool:conn/echo', 'tool:Conn/echo', false],
    ['tool:conn/*', 'tool:conn/echo', true],
    ['tool:conn/*', 'tool:conn/', true],
    ['tool:conn/*', 'tool:conn/a/b', true],
    ['tool:conn/*', 'tool:connx/echo', false],
    ['tool:*/echo', 'tool:conn/echo', true],
    ['tool:*/echo', 'tool:a/b/echo', true],
    ['tool:*/echo', 'tool:conn/echo2', false],
    ['tool:*/echo', 'tool:/echo', true],
    ['*', '', true],
    ['*', 'anything:at/all', true],
    ['**', 'x', true],
    ['*echo*', 'tool:c/echoes', true],
    ['*echo*', 'tool:c/ech', false],
    ['tool:c*/e*o', 'tool:conn/echo', true],
    ['tool:c*/e*o', 'tool:conn/echo/x', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['a*b*a', 'aba', true],
    ['a*b*a', 'ab', false],
    ['tool.*', 'tool.invoke', true],
    ['tool.*', 'toolxinvoke', false], // '.' is literal
    ['resource:docs/file:///*.md', 'resource:docs/file:///a/b.md', true],
    ['(a)+[b]', '(a)+[b]', true],
    ['(a)+[b]*', 'aab', false],
    ['', '', true],
    ['', 'x', false],
  ])('%s vs %s → %s', (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
    expect(reference(pattern, value)).toBe(expected);
  });

  it('compiles to the cheapest check', () => {
    expect(compileGlob('tool:conn/echo').kind).toBe(GlobKind.Exact);
    expect(compileGlob('*').kind).toBe(GlobKind.Any);
    expect(compileGlob('***').kind).toBe(GlobKind.Any);
    expect(compileGlob('tool:conn/*').kind).toBe(GlobKind.Prefix);
    expect(compileGlob('*/echo').kind).toBe(GlobKind.Suffix);
    expect(compileGlob('tool:*/echo').kind).toBe(GlobKind.PrefixSuffix);
    expect(compileGlob('*echo*').kind).toBe(GlobKind.Contains);
    expect(compileGlob('tool:c*/e*o').kind).toBe(GlobKind.Segments);
    expect(isGlob('a*')).toBe(true);
    expect(isGlob('a')).toBe(false);
  });

  it('does not backtrack exponentially', () => {
    const g = compileGlob(`${'*a'.repeat(30)}*b`);
    const started = performance.now();
    expect(matchGlob(g, 'a'.repeat(10_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('agrees with a regex reference on random patterns and values', () => {
    const char = fc.constantFrom('a', 'b', '/', ':', '.', '*');
    fc.assert(
      fc.property(fc.string({ unit: char, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', '/', ':', '.'), maxLength: 10 }), (pattern, value) => {
        expect(matchGlob(compileGlob(pattern), value)).toBe(reference(pattern, value));
      }),
      { numRuns: 3000 },
    );
  });
});
