/**
 * The test provider's payment method tokens and what each one does (see `./test-provider.ts`
 * for the table). Pure: the answer depends on the token alone, plus the attempt for
 * `pm_test_transient_<N>`.
 */
import type { CardSummary } from './types.ts';

export const TEST_TOKENS = {
  success: 'pm_test_success',
  declined: 'pm_test_declined',
  /** `pm_test_transient_<N>`: fails while attempt <= N. */
  transient: (failures: number) => `pm_test_transient_${failures}`,
  timeout: 'pm_test_timeout',
  captureFails: 'pm_test_capture_fails',
  /** `pm_test_void_fails_<N>`: authorizes, its capture is refused for good, its void fails while attempt <= N. */
  voidFails: (failures: number) => `pm_test_void_fails_${failures}`,
  /** Authorizes and captures; every refund of it fails (provider unavailable). */
  refundFails: 'pm_test_refund_fails',
} as const;

export const APPROVED_CARD: CardSummary = { brand: 'visa', last4: '4242' };
export const DECLINED_CARD: CardSummary = { brand: 'visa', last4: '0002' };

export type Behaviour =
  | { kind: 'success' | 'declined' | 'timeout' | 'capture_fails' | 'refund_fails' }
  | { kind: 'transient' | 'void_fails'; failures: number };

export function behaviourOf(token: string): Behaviour | null {
  if (token === 'pm_test_success' || token === 'pm_card_visa') return { kind: 'success' };
  if (token === 'pm_test_declined' || token === 'pm_card_chargeDeclined') return { kind: 'declined' };
  if (token === 'pm_test_timeout') return { kind: 'timeout' };
  if (token === 'pm_test_capture_fails') return { kind: 'capture_fails' };
  if (token === 'pm_test_refund_fails') return { kind: 'refund_fails' };
  const voidFails = /^pm_test_void_fails_(\d{1,3})$/.exec(token);
  if (voidFails) return { kind: 'void_fails', failures: Number(voidFails[1]) };
  const transient = /^pm_test_transient_(\d{1,3})$/.exec(token);
  return transient ? { kind: 'transient', failures: Number(transient[1]) } : null;
}
