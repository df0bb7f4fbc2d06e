/**
 * All Postgres tables, one Postgres schema per service:
 * auth (8 tables), users (3), orders (3), payments (1) = 15 tables.
 * Used by drizzle-kit (drizzle.config.ts) and by the db client.
 */
export * from './auth.ts';
export * from './users.ts';
export * from './orders.ts';
export * from './payments.ts';
