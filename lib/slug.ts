// Slugs derived from names: "Support Bot (EU)" → "support-bot-eu".

/** The slug of a name (at most `maxLength` characters), or '' when it has no letters or digits. */
export function slugify(name: string, maxLength = 64): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents: "é" → "e"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
}
