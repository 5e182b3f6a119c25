// `npm run db:migrate` – applies pending migrations and exits. The server also does this at start;
// this is for deployments that migrate in a separate step (e.g. before rolling out N instances).
import { closeDb, getDb } from './client';
import { env } from '@/lib/env';

try {
  await getDb();
  console.log(`Migrations applied (${env().DATABASE_URL ? 'Postgres' : `embedded database in ${env().DATA_DIR}`}).`);
  await closeDb();
} catch (error) {
  console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
