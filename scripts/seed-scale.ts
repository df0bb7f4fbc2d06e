/**
 * `npm run db:seed:scale -- --products N --users N --orders N [--tenant UUID] [--batch 1000] [--reset]`
 *
 * Loads generated, realistic data in bulk into the configured stores (scripts/lib/seed-scale/):
 *   DATABASE_URL    PostgreSQL owner connection (users, profiles, roles, orders, items)
 *   MONGODB_URI     MongoDB (driver), or MONGO_DATA_API_URL + MONGO_DATA_API_KEY (Data API)
 *   MONGO_DATABASE  default ecommerce; MONGO_DATA_SOURCE default mongodb
 * Progress (rate, ETA) on stderr; resumable: the checkpoint (.dev/seed-scale-<tenant>.json, or
 * --checkpoint FILE) records the rows done, and a re-run continues from there. Every seeded
 * user's password is SEED_PASSWORD (generate.ts): one hash, not a million.
 */
import { parseArgs } from 'node:util';

import { isUuid } from '../src/lib/ids.ts';
import { SEED_PASSWORD } from './lib/seed-scale/generate.ts';
import { seedScale } from './lib/seed-scale/run.ts';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '0' },
    users: { type: 'string', default: '0' },
    orders: { type: 'string', default: '0' },
    tenant: { type: 'string', default: '00000000-0000-4000-8000-00000000bec1' },
    batch: { type: 'string', default: '1000' },
    checkpoint: { type: 'string' },
    reset: { type: 'boolean', default: false },
  },
});

const count = (name: string, text: string | undefined) => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`seed:scale: --${name} must be a whole number >= 0`);
    process.exit(2);
  }
  return n;
};
const tenantId = values.tenant!.toLowerCase();
if (!isUuid(tenantId)) {
  console.error('seed:scale: --tenant must be a UUID');
  process.exit(2);
}
const env = process.env;
const database = env.MONGO_DATABASE ?? 'ecommerce';
const mongo = env.MONGODB_URI
  ? { uri: env.MONGODB_URI, database }
  : env.MONGO_DATA_API_URL && env.MONGO_DATA_API_KEY
    ? {
        dataApiUrl: env.MONGO_DATA_API_URL,
        apiKey: env.MONGO_DATA_API_KEY,
        dataSource: env.MONGO_DATA_SOURCE ?? 'mongodb',
        database,
      }
    : undefined;

const started = Date.now();
const cp = await seedScale({
  tenantId,
  products: count('products', values.products),
  users: count('users', values.users),
  orders: count('orders', values.orders),
  batch: Math.max(1, count('batch', values.batch)),
  databaseUrl: env.DATABASE_URL,
  mongo,
  checkpointFile: values.checkpoint ?? `.dev/seed-scale-${tenantId}.json`,
  reset: values.reset,
});
console.error(
  `seed:scale: tenant ${tenantId}: ${cp.done.products} products, ${cp.done.users} users, ${cp.done.orders} orders in ${((Date.now() - started) / 1000).toFixed(1)} s (users' password: ${SEED_PASSWORD})`,
);
