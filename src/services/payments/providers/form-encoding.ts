/**
 * `application/x-www-form-urlencoded` bodies in Stripe's nested style:
 *
 *   { amount: 1999, metadata: { orderId: 'o1' }, expand: ['latest_charge'] }
 *   -> amount=1999&metadata[orderId]=o1&expand[0]=latest_charge
 *
 * Invariants: structural brackets stay literal (as Stripe's own libraries send them), while
 * every key segment and value is percent-encoded, so a `[`, `]`, `&` or `=` inside a metadata
 * key or value can never change the structure. `undefined` fields are omitted; `null` is sent
 * as an empty value (Stripe's way to unset); numbers must be finite (money is integers).
 */

export type FormValue = string | number | boolean | null | undefined | FormValue[] | { [key: string]: FormValue };

export function encodeForm(fields: Record<string, FormValue>): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(fields)) append(pairs, encodeURIComponent(key), value);
  return pairs.join('&');
}

function append(pairs: string[], path: string, value: FormValue): void {
  if (value === undefined) return;
  if (value === null) {
    pairs.push(`${path}=`);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => append(pairs, `${path}[${i}]`, item));
  } else if (typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) append(pairs, `${path}[${encodeURIComponent(key)}]`, item);
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`form field ${decodeURIComponent(path)} is not a finite number`);
    pairs.push(`${path}=${String(value)}`);
  } else {
    pairs.push(`${path}=${encodeURIComponent(String(value))}`);
  }
}
