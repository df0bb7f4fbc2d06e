/**
 * Problem types of the catalog service (products, categories, stock), each with one status.
 * The catalog's field problems use the shared types: 400 `validation` for a value that is
 * wrong on its own, 409 `conflict` for one that clashes with stored data (a taken slug or
 * SKU, stock below zero, a category moved under itself).
 */
import { problems } from '../../lib/problem.ts';

export const catalogErrors = {
  productNotFound: () => problems.notFound('Product'),
  categoryNotFound: () => problems.notFound('Category'),
  /** 400 naming one field, e.g. ('body.compareAtPrice', 'must be >= price'). */
  invalidField: (field: string, message: string) => problems.validation([{ field, message }]),
  /** 409 naming one field whose value clashes with stored data. */
  fieldConflict: (field: string, message: string) => problems.conflictField(field, message),
  concurrentChange: () =>
    problems.conflict('The product was changed by another request at the same time; reload it and retry.'),
};
