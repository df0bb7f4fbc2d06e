/**
 * Which declared index serves a query (pure: reads the changesets of ./migrations.ts).
 *
 * The rule MongoDB's planner follows for an index-ordered page: the index starts with the
 * query's equality fields (any order among them; tenantId first), then the sort keys in
 * the same or the fully reversed direction. Fields in `residual` (e.g. `published`,
 * `deletedAt`: nearly every row passes them) are left to the scan, as are ranges and `$or`.
 *
 * Why the services name it (`hint`): DocumentDB (FerretDB v2) plans in PostgreSQL, whose
 * cost model does not see that an index returns rows in the sort order. Among indexes with
 * the same equality prefix it takes the last created one and sorts in memory (measured:
 * `{tenantId, status}` sorted by price picked the brand index + Sort). A hint makes it
 * walk the ordering index and stop after limit + 1 rows; MongoDB accepts the same hint.
 */
import { mongoChangeSets, type ChangeSet, type IndexDirection } from './migrations.ts';
import type { Document } from './types.ts';

/** True for a filter value that pins one key (or a set of keys: `$in`). */
function isEqualityValue(v: unknown): boolean {
  return v === null || typeof v !== 'object' || v instanceof Date || '$in' in v || isObjectIdLike(v);
}

function isObjectIdLike(v: object): boolean {
  return typeof (v as { toHexString?: unknown }).toHexString === 'function';
}

/** The equality fields of a filter, top level only (`$or`, `$text`, ... are not keys). */
function equalityFields(filter: Document, residual: ReadonlySet<string> = new Set()): string[] {
  return Object.entries(filter)
    .filter(([k, v]) => !k.startsWith('$') && !residual.has(k) && isEqualityValue(v))
    .map(([k]) => k);
}

/** Name of the first declared index that serves `filter` + `sort` on `collection`, by the rule above. */
export function servingIndex(
  collection: string,
  filter: Document,
  sort: Record<string, 1 | -1>,
  opts: { residual?: ReadonlySet<string>; changeSets?: readonly ChangeSet[] } = {},
): string | undefined {
  const equality = equalityFields(filter, opts.residual);
  const sortKeys = Object.entries(sort);
  for (const cs of opts.changeSets ?? mongoChangeSets) {
    for (const index of cs.indexes ?? []) {
      if (index.collection !== collection || index.optional) continue;
      const keys = Object.entries(index.key) as [string, IndexDirection][];
      if (keys[0]?.[0] !== 'tenantId' && equality.includes('tenantId')) continue;
      const prefix = keys.slice(0, equality.length).map(([k]) => k);
      if (prefix.length !== equality.length || !equality.every((e) => prefix.includes(e))) continue;
      const rest = keys.slice(equality.length, equality.length + sortKeys.length);
      if (rest.length !== sortKeys.length) continue;
      const same = rest.every(([k, d], i) => k === sortKeys[i]![0] && d === sortKeys[i]![1]);
      const reversed = rest.every(([k, d], i) => k === sortKeys[i]![0] && d === -sortKeys[i]![1]);
      if (same || reversed) return index.options.name;
    }
  }
  return undefined;
}
