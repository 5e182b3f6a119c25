// SQL fragments shared by CHECK constraints. Not exported from index.ts.
import { sql, type SQL } from 'drizzle-orm';

// Renders `'a', 'b', 'c'` for `col in (...)` checks. Inlined with sql.raw on purpose: drizzle-kit
// writes CHECK bodies verbatim into the migration, so bound parameters ($1) would not survive.
// Only ever called with the string-literal constants declared next to each table.
export const sqlList = (values: readonly string[]): SQL =>
  sql.raw(values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', '));

// Connection names and synced tool names (API-NOTES "Tools and names"); they appear inside
// policy targets `tool:<connection>/<tool>`, so no '/', ':', '*' or whitespace.
export const NAME_PATTERN = '^[A-Za-z0-9_.-]{1,128}$';
