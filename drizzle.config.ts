import { defineConfig } from 'drizzle-kit';

// Schema-first: edit src/db/pg/schema/*.ts, then `npm run db:generate`
// (drizzle-kit under Node >= 22). Hand-written SQL (roles, RLS, seed data) is
// created with `drizzle-kit generate --custom --name <name>` so it is journaled.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg/schema/index.ts',
  out: './drizzle',
  schemaFilter: ['auth', 'users', 'orders', 'payments'],
  migrations: { schema: 'drizzle', table: '__drizzle_migrations' },
  strict: true,
  verbose: true,
  ...(process.env.DATABASE_URL ? { dbCredentials: { url: process.env.DATABASE_URL } } : {}),
});
