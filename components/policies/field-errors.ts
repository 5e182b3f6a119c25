// Server field errors arrive keyed by the API's paths. A short-form list reports entries by index
// (`rules_json.allow.2`) and conditions by their path inside the JSON (`conditions.time_window.start`);
// a form shows them at its one textarea, saying which line or which key.

/** Non-blank lines of a short-form textarea, as the form schema sends them: entry i ↔ line n. */
export function entryLines(text: string): { line: number; entry: string }[] {
  return text
    .split(/\r?\n/)
    .map((entry, i) => ({ line: i + 1, entry: entry.trim() }))
    .filter((l) => l.entry !== '');
}

/** Messages for a list field: `Line 3 ("git hub"): …` for entries, plain for the list itself. */
export function lineErrors(fields: Record<string, string[]> | undefined, name: string, text: string): string[] | undefined {
  if (!fields) return undefined;
  const lines = entryLines(text);
  const out: string[] = [];
  for (const [key, messages] of Object.entries(fields)) {
    if (key === name) out.push(...messages);
    else if (key.startsWith(`${name}.`)) {
      const index = Number(key.slice(name.length + 1).split('.')[0]);
      const at = Number.isInteger(index) ? lines[index] : undefined;
      const where = at ? `Line ${at.line} (${JSON.stringify(at.entry)})` : key.slice(name.length + 1);
      out.push(...messages.map((m) => `${where}: ${m}`));
    }
  }
  return out.length ? out : undefined;
}

/** Messages for a JSON field: plain for the field, `time_window.start: …` for keys inside it. */
export function nestedErrors(fields: Record<string, string[]> | undefined, ...names: string[]): string[] | undefined {
  if (!fields) return undefined;
  const out: string[] = [];
  for (const [key, messages] of Object.entries(fields)) {
    const name = names.find((n) => key === n || key.startsWith(`${n}.`));
    if (!name) continue;
    const inner = key.slice(name.length + 1);
    out.push(...messages.map((m) => (inner ? `${inner}: ${m}` : m)));
  }
  return out.length ? [...new Set(out)] : undefined;
}
