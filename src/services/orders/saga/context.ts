/**
 * What the order saga carries from step to step, declared once with zod: the order's facts
 * (fixed when the saga starts), the payment token, and what each step reports. It travels
 * over Durable Object RPC and into the object's SQLite as JSON.
 *
 * The payment token is kept only while PROCESS_PAYMENT may still run (state.ts drops it
 * afterwards) and `redacted` is the one place that blanks it for anything that leaves the
 * saga: the mirror in PostgreSQL, a dead letter, the RPC reads.
 *
 * Shapes written by an older version still load (`readSagaContext`): until 2026-12 the context
 * was a flat bag of scalars, the lines a JSON string `[[productId, quantity], ...]`, and an
 * adopted saga's token ''. A Durable Object that is mid-saga when a new version deploys
 * reads its state through here.
 */
import { z } from 'zod';

import { OBJECT_ID_PATTERN } from '../../../lib/ids.ts';

const sagaLineSchema = z.object({
  /** The catalog's product id (24-hex ObjectId). */
  productId: z.string().regex(OBJECT_ID_PATTERN),
  quantity: z.number().int().positive(),
});
export type SagaLine = z.infer<typeof sagaLineSchema>;

export const PAYMENT_OUTCOMES = ['CAPTURED', 'DECLINED', 'VOIDED', 'REFUNDED'] as const;
export type PaymentOutcome = (typeof PAYMENT_OUTCOMES)[number];

/** The promotion code the order's transaction redeemed (the history's PROMOTION_APPLIED). */
export const sagaPromotionSchema = z.object({
  code: z.string(),
  kind: z.string(),
  /** What the code took off, decimal (FREE_SHIPPING: the shipping waived). */
  amount: z.string(),
});
export type SagaPromotion = z.infer<typeof sagaPromotionSchema>;

/** The order as the saga knows it from its start. */
export const orderFactsSchema = z.object({
  userId: z.string(),
  orderNumber: z.string(),
  currency: z.string(),
  /** Decimal string, as the order stores it (notifications show it). */
  total: z.string(),
  totalMinor: z.number().int().nonnegative(),
  paymentMethod: z.string(),
  lines: z.array(sagaLineSchema),
  /** Absent: no code (and every context stored before codes existed). */
  promotion: sagaPromotionSchema.optional(),
});

/** What the steps report (run or compensation), merged into the context. */
export const stepReportSchema = z.object({
  stockReserved: z.boolean().optional(),
  paymentId: z.string().nullable().optional(),
  paymentOutcome: z.enum(PAYMENT_OUTCOMES).nullable().optional(),
  paymentFailed: z.boolean().optional(),
  confirmed: z.boolean().optional(),
});
export type StepReport = z.infer<typeof stepReportSchema>;

export const sagaContextSchema = orderFactsSchema
  .extend({ paymentToken: z.string().nullable() })
  .extend(stepReportSchema.shape);
export type SagaContext = z.infer<typeof sagaContextSchema>;

/** Lines as the old context carried them: a JSON string of `[productId, quantity]` pairs. */
const legacyLines = z.string().transform((text, ctx) => {
  const pairs = z.array(z.tuple([z.string(), z.number()])).safeParse(JSON.parse(text));
  if (!pairs.success) {
    ctx.addIssue({ code: 'custom', message: 'lines: not [[productId, quantity], ...]' });
    return z.NEVER;
  }
  return pairs.data.map(([productId, quantity]) => sagaLineSchema.parse({ productId, quantity }));
});

/** The context as any version stored it: today's shape, or the flat bag before it. */
const storedContextSchema = sagaContextSchema.extend({
  lines: z.union([z.array(sagaLineSchema), legacyLines]),
  // '' (an adopted saga, before) and absent both mean "no token".
  paymentToken: z
    .string()
    .nullish()
    .transform((t) => (t ? t : null)),
  totalMinor: z.coerce.number().int().nonnegative(),
});

export function readSagaContext(stored: unknown): SagaContext {
  return storedContextSchema.parse(stored);
}

/** The one place the payment token is blanked: for everything that leaves the saga. */
export function redacted<T extends { context: SagaContext }>(state: T): T {
  return state.context.paymentToken === null ? state : { ...state, context: { ...state.context, paymentToken: null } };
}
