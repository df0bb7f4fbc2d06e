import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * The CHECK of a value set, `"col" IN ('A', 'B')`, written from the same `as const`
 * list the API's zod enum is made of, so the two cannot drift. The text is the seed's
 * to the letter (drizzle-kit compares it): quotes, `, ` separators, list order.
 */
export function oneOf(column: AnyPgColumn, values: readonly string[]): SQL {
  return sql`${column} IN (${sql.raw(values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', '))})`;
}
