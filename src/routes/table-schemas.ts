/**
 * API views derived from the PostgreSQL tables they mirror (drizzle-zod), so a
 * column's type, nullability, length and value set are written once: in
 * src/db/pg/schema. A view overrides only what the API shows differently, and a
 * request field stored in a varchar column takes its maxLength from that column.
 *
 * The factory is given zod-openapi's `z`, so derived schemas take `.openapi()`.
 */
import { z } from '@hono/zod-openapi';
import { is } from 'drizzle-orm';
import { PgVarchar, type PgColumn } from 'drizzle-orm/pg-core';
import { createSchemaFactory } from 'drizzle-zod';

export const { createSelectSchema } = createSchemaFactory({ zodInstance: z });

/**
 * A `timestamp` column as the API shows it: the view's `toISOString()`, not a Date.
 * A refinement function, so drizzle-zod still adds `.nullable()` to a nullable column.
 */
export const isoTimestamp = () => z.iso.datetime();

/** The declared length of a varchar column: the maxLength of a request field stored in it. */
export function lengthOf(column: PgColumn): number {
  if (is(column, PgVarchar) && column.length !== undefined) return column.length;
  throw new Error(`column ${column.name} is not a varchar of declared length`);
}

/** A text field stored in `column`: trimmed, not empty, at most the column's length. */
export const textFor = (column: PgColumn) => z.string().trim().min(1).max(lengthOf(column));
