import { z } from '@hono/zod-openapi';

import { MONEY_PATTERN, parseMoney } from '../services/catalog/money.ts';

/** Schemas shared by several routers. */
const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

/** Standard error responses for a route's OpenAPI entry. */
export function problemResponses(...statuses: number[]) {
  const text: Record<number, string> = {
    400: 'Invalid input',
    401: 'Missing or invalid credentials',
    403: 'Not allowed',
    404: 'Not found',
    409: 'Conflict',
    412: 'Precondition failed',
    413: 'Body too large',
    415: 'Body is not JSON',
    423: 'Locked',
    429: 'Too many attempts: wait Retry-After seconds',
  };
  const retryAfter = {
    headers: z.object({ 'retry-after': z.string().openapi({ description: 'Seconds to wait', example: '60' }) }),
  };
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: text[s] ?? 'Error', content: problemContent, ...(s === 429 ? retryAfter : {}) },
    ]),
  );
}

/** A decimal amount as a string ("19.99": up to 8 digits and 2 decimals), parsed to integer minor units (1999). */
export const MoneyInput = z
  .string()
  .regex(MONEY_PATTERN, 'must be a decimal amount as a string, like "19.99" (up to 8 digits and 2 decimals)')
  .transform(parseMoney)
  .openapi({ type: 'string', example: '19.99' });

export const UuidParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

// A route's security entry comes with its access declaration: access.* in src/middleware/access.ts.

/** `Idempotency-Key` where a write requires one: the same key and body replay, another body is 422. */
export const requiredIdempotencyKey = (description: string) =>
  z
    .string()
    .min(8)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .openapi({ param: { name: 'idempotency-key', in: 'header' }, example: 'a6c5e2f0-checkout-1', description });
