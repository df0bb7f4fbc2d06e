/**
 * All Postgres tables, one Postgres schema per service:
 * auth (8 seed tables + admin_audit_log), users (3), orders (3 + promotions, promotion_redemptions), payments (1):
 * the 15 seed tables and one addition.
 * Used by drizzle-kit (drizzle.config.ts) and by the db client.
 */
export * from './auth.ts';
export * from './users.ts';
export * from './orders.ts';
export * from './payments.ts';
export * from './promotions.ts';
