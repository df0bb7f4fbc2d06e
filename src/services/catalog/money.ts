/**
 * Money in the catalog.
 *
 * - API: decimal strings with exactly two decimals on output (`"299.99"`); input
 *   accepts `^\d{1,8}(\.\d{1,2})?$` (`"5"`, `"5.5"`, `"5.50"`).
 * - Computation and events: integer minor units (cents), never float arithmetic.
 * - Products documents store BOTH: `priceMinor` (integer, authoritative) and `price`
 *   (a number equal to `priceMinor / 100`, the seed's field, used by the seed's
 *   indexes for sorting and range filters). `price` is always derived from
 *   `priceMinor` by the same division, so equal amounts give bit-identical doubles
 *   and comparisons on `price` agree with comparisons on `priceMinor`.
 *
 * Every currency is treated as having two decimals (the input pattern allows no more).
 */
export const MONEY_PATTERN = /^\d{1,8}(\.\d{1,2})?$/;

/** "12.5" -> 1250. Throws on anything that does not match MONEY_PATTERN. */
export function parseMoney(text: string): number {
  const m = MONEY_PATTERN.exec(text);
  if (!m) throw new RangeError(`not a money amount: ${JSON.stringify(text)}`);
  const [whole, fraction = ''] = text.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** 1250 -> "12.50". */
export function formatMoney(minor: number): string {
  if (!Number.isSafeInteger(minor) || minor < 0) throw new RangeError(`not an amount in minor units: ${minor}`);
  const whole = Math.floor(minor / 100);
  const cents = minor % 100;
  return `${whole}.${cents.toString().padStart(2, '0')}`;
}

/** The `price` number stored next to `priceMinor` (for sorting and range filters). */
export function minorToNumber(minor: number): number {
  return minor / 100;
}
