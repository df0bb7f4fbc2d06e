/** Problem types of promotions, each with one status. A refused code names the field that carried it. */
import { Problem, problems } from '../../lib/problem.ts';
import type { PromotionRefusal } from './model.ts';

const TITLES: Record<PromotionRefusal, string> = {
  unknown: 'Unknown promotion code',
  inactive: 'Promotion code inactive',
  'not-started': 'Promotion code not yet valid',
  expired: 'Promotion code expired',
  exhausted: 'Promotion code used up',
  'customer-limit': 'Promotion code already used',
  'wrong-currency': 'Promotion code in another currency',
  'minimum-subtotal': 'Order below the promotion minimum',
  'out-of-scope': 'Promotion code does not apply to these products',
};

export const promotionErrors = {
  /** 422 `promotion-code-<reason>`, naming `field` (`body.promotionCode` by default). */
  refused: (reason: PromotionRefusal, detail: string, field = 'body.promotionCode') =>
    new Problem(422, `promotion-code-${reason}`, TITLES[reason], detail, {
      errors: [{ field, message: TITLES[reason].toLowerCase() }],
      extensions: { promotionRefusal: reason },
    }),
  notFound: () => problems.notFound('Promotion'),
  codeTaken: (code: string) =>
    new Problem(
      409,
      'promotion-code-taken',
      'Promotion code taken',
      `The code ${code} is already used by a promotion.`,
      {
        errors: [{ field: 'body.code', message: 'already used (codes are case-insensitive)' }],
      },
    ),
  redeemed: () =>
    new Problem(
      409,
      'promotion-redeemed',
      'Promotion has redemptions',
      'A promotion that orders used cannot be deleted; set active to false instead.',
    ),
};
