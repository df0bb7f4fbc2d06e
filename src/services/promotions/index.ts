/** The promotions service's public surface (promotion codes; tables in the `orders` schema). */
export { evaluatePromotion } from './evaluate.ts';
export { checkPromotionCode } from './check.ts';
export {
  claimableSql,
  claimRead,
  claimWritesSql,
  lockPromotion,
  promotionForClaim,
  type PromotionClaim,
} from './redeem.ts';
export { findPromotionByCode, getPromotion, listPromotions, listRedemptions } from './queries.ts';
export { createPromotion, deletePromotion, updatePromotion, type PromotionInput } from './commands.ts';
export { promotionView, redemptionView, type PromotionView, type RedemptionView } from './views.ts';
export { promotionErrors } from './errors.ts';
export * from './model.ts';
