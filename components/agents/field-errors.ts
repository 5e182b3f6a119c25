// Server field errors arrive keyed by the API's paths ("tags.3", "token.ttl_seconds"); a form field
// shows those of its own name and of everything below it.
export function errorsAt(fields: Record<string, string[]> | undefined, ...names: string[]): string[] | undefined {
  if (!fields) return undefined;
  const found = Object.entries(fields)
    .filter(([key]) => names.some((name) => key === name || key.startsWith(`${name}.`)))
    .flatMap(([, messages]) => messages);
  return found.length ? [...new Set(found)] : undefined;
}

/** aria-describedby for a field with a hint and, when there are errors, the error line. */
export function describedBy(id: string, hint: boolean, errors?: string[]): string | undefined {
  const ids = [hint ? `${id}-hint` : '', errors?.length ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}
