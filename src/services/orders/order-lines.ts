/** The lines of an order as the client sent them: the per-product cap, repeated products merged. */
import { problems } from '../../lib/problem.ts';
import { MAX_QUANTITY } from './model.ts';

export interface OrderLineInput {
  productId: string;
  quantity: number;
}

/**
 * The lines whose product, with the lines before it, goes over MAX_QUANTITY: the cap holds
 * for a product, not for one line (`[{p,100},{p,100}]` is 200 of p). Each names the line
 * that crossed it and the product's running total.
 */
export function overCapLines(lines: OrderLineInput[]): Array<{ index: number; quantity: number }> {
  const totals = new Map<string, number>();
  const over: Array<{ index: number; quantity: number }> = [];
  lines.forEach((l, index) => {
    const id = l.productId.toLowerCase();
    const quantity = (totals.get(id) ?? 0) + l.quantity;
    totals.set(id, quantity);
    if (quantity > MAX_QUANTITY && quantity - l.quantity <= MAX_QUANTITY) over.push({ index, quantity });
  });
  return over;
}

/** Repeated products become one line with the quantities added (order kept), at most MAX_QUANTITY each (else 400). */
export function mergeLines(lines: OrderLineInput[]): Array<{ productId: string; quantity: number; index: number }> {
  const over = overCapLines(lines);
  if (over.length) {
    throw problems.validation(
      over.map(({ index, quantity }) => ({
        field: `body.lines.${index}.quantity`,
        message: `the product's lines add up to ${quantity}; at most ${MAX_QUANTITY} of one product per order`,
      })),
    );
  }
  const merged = new Map<string, { productId: string; quantity: number; index: number }>();
  lines.forEach((l, index) => {
    const id = l.productId.toLowerCase();
    const seen = merged.get(id);
    if (seen) seen.quantity += l.quantity;
    else merged.set(id, { productId: id, quantity: l.quantity, index });
  });
  return [...merged.values()];
}
