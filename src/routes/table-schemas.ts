/**
 * API views derived from the PostgreSQL tables they mirror (drizzle-zod), so a
 * column's type, nullability, length and value set are written once: in
 * src/db/pg/schema. A view overrides only what the API shows differently.
 *
 * The factory is given zod-openapi's `z`, so derived schemas take `.openapi()`.
 */
import { z } from '@hono/zod-openapi';
import { createSchemaFactory } from 'drizzle-zod';

export const { createSelectSchema } = createSchemaFactory({ zodInstance: z });

/**
 * A `timestamp` column as the API shows it: the view's `toISOString()`, not a Date.
 * A refinement function, so drizzle-zod still adds `.nullable()` to a nullable column.
 */
export const isoTimestamp = () => z.iso.datetime();
