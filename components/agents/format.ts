// Dates as the console shows them: the same on server and client, whatever their time zones.

/** "2026-11-24 10:15 UTC" */
export function formatUtc(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
