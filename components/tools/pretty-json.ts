// JSON for people: keys sorted at every level, so two versions of a schema line up in a diff.
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

export function prettyJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2) ?? 'null';
}
