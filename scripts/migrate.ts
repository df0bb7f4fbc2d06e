/**
 * `npm run db:migrate`: the one migration command for dev, CI and deploys.
 *   DATABASE_URL   owner connection string (runs drizzle/ migrations)
 *   APP_DB_USER, APP_DB_PASSWORD   optional: create/update the app login role (member of ecommerce_app)
 *   MONGODB_URI    MongoDB connection string (runs src/db/mongo/migrations.ts changesets)
 *   MONGO_DATABASE database name (default ecommerce)
 * Either store may be skipped by leaving its variable unset.
 */
import { migrateMongo } from './lib/mongo-migrate.ts';
import { migratePostgres } from './lib/pg-migrate.ts';

const { DATABASE_URL, APP_DB_USER, APP_DB_PASSWORD, MONGODB_URI } = process.env;
const database = process.env.MONGO_DATABASE ?? 'ecommerce';
if (!DATABASE_URL && !MONGODB_URI) {
  console.error('db:migrate: set DATABASE_URL and/or MONGODB_URI');
  process.exit(2);
}
if (DATABASE_URL) {
  await migratePostgres({
    url: DATABASE_URL,
    appUser: APP_DB_USER && APP_DB_PASSWORD ? { name: APP_DB_USER, password: APP_DB_PASSWORD } : undefined,
  });
  console.log('postgres: migrated');
}
if (MONGODB_URI) {
  const { applied, skipped } = await migrateMongo({ uri: MONGODB_URI, database });
  console.log(`mongo: ${applied.length} changeset(s) applied`);
  for (const s of skipped) console.log(`mongo: skipped ${s.id}: ${s.reason}`);
}
