/**
 * Every catalog and review list query has an index serving its filter and sort.
 *
 * 1. Statically, everywhere: for each query the services send (built by the services' own
 *    plan functions), some index declared in src/db/mongo/migrations.ts starts with the
 *    query's equality fields (tenantId first), followed by its sort keys with the _id
 *    tiebreak in the same or the reversed direction. Left to the scan: `published` and
 *    `deletedAt` (nearly every ACTIVE product passes them) and range filters.
 * 2. With `explain`, where the server plans like MongoDB: no collection scan, no SORT stage.
 *    FerretDB v1 plans in PostgreSQL (and sorts in memory): skipped with the reason logged.
 */
import { MongoClient, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { mongoChangeSets, type IndexDirection } from '../../src/db/mongo/migrations.ts';
import { PRODUCT_SORTS, productListPlan, type ListProductsQuery } from '../../src/services/catalog/list-plan.ts';
import { sortSpec, type ReviewSort } from '../../src/services/reviews/cursor.ts';

const TENANT = '00000000-0000-4000-8000-0000000000aa';
const CATEGORY_IDS = ['65a000000000000000000001', '65a000000000000000000002'];
const RESIDUAL = new Set(['published', 'deletedAt']);

interface Shape {
  name: string;
  collection: string;
  filter: Document;
  sort: Record<string, 1 | -1>;
}

function productShapes(): Shape[] {
  const filters: Record<string, ListProductsQuery> = {
    plain: {},
    category: { category: 'audio' },
    price: { minPriceMinor: 1000, maxPriceMinor: 5000 },
    brand: { brand: 'Acme' },
    staffStatus: { status: 'DRAFT' },
    q: { q: 'head' },
  };
  const shapes: Shape[] = [];
  for (const [fname, f] of Object.entries(filters)) {
    for (const sort of PRODUCT_SORTS) {
      const plan = productListPlan(
        { tenantId: TENANT, staff: !!f.status },
        { ...f, sort },
        f.category ? CATEGORY_IDS : undefined,
        {
          textSearch: false,
        },
      );
      if (plan.kind !== 'find') throw new Error('without a text index every plan is a find');
      shapes.push({
        name: `products ${fname} ${sort}`,
        collection: 'products',
        filter: plan.filter as Document,
        sort: plan.sort,
      });
    }
  }
  return shapes;
}

function reviewShapes(): Shape[] {
  const shapes: Shape[] = [];
  for (const sort of ['newest', 'helpful'] as ReviewSort[]) {
    for (const rating of [undefined, 4]) {
      shapes.push({
        name: `reviews of a product ${sort}${rating ? ' rating' : ''}`,
        collection: 'reviews',
        filter: { tenantId: TENANT, productId: CATEGORY_IDS[0], status: 'APPROVED', ...(rating ? { rating } : {}) },
        sort: sortSpec(sort) as Record<string, 1 | -1>,
      });
    }
  }
  for (const sort of ['oldest', 'newest'] as ReviewSort[]) {
    shapes.push({
      name: `moderation queue ${sort}`,
      collection: 'reviews',
      filter: { tenantId: TENANT, status: 'PENDING' },
      sort: sortSpec(sort) as Record<string, 1 | -1>,
    });
    shapes.push({
      name: `moderation queue of a product ${sort}`,
      collection: 'reviews',
      filter: { tenantId: TENANT, status: 'PENDING', productId: CATEGORY_IDS[0] },
      sort: sortSpec(sort) as Record<string, 1 | -1>,
    });
  }
  shapes.push({
    name: 'category tree',
    collection: 'categories',
    filter: { tenantId: TENANT },
    sort: { level: 1, displayOrder: 1 },
  });
  shapes.push({
    name: 'product events',
    collection: 'product_events',
    filter: { tenantId: TENANT, aggregateId: CATEGORY_IDS[0], version: { $gt: 0 } },
    sort: { version: 1 },
  });
  return shapes;
}

const isEquality = (v: unknown) => v === null || typeof v !== 'object' || v instanceof Date || '$in' in (v as object);

/** The first declared index that serves the shape, by the rule in the header. */
function servingIndex(shape: Shape): string | undefined {
  const equality = Object.entries(shape.filter)
    .filter(([k, v]) => !k.startsWith('$') && isEquality(v) && !RESIDUAL.has(k))
    .map(([k]) => k);
  const sortKeys = Object.entries(shape.sort);
  for (const cs of mongoChangeSets) {
    for (const index of cs.indexes ?? []) {
      if (index.collection !== shape.collection || index.optional) continue;
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

describe('catalog and review queries have a serving index (declared in the migrations)', () => {
  for (const shape of [...productShapes(), ...reviewShapes()]) {
    it(shape.name, () => {
      expect(servingIndex(shape), JSON.stringify({ filter: shape.filter, sort: shape.sort })).toBeDefined();
    });
  }

  it('a relevance page with a text index is $text sorted by text score (one aggregation, no skip)', () => {
    const plan = productListPlan({ tenantId: TENANT, staff: false }, { q: 'wireless head' }, undefined, {
      textSearch: true,
    });
    expect(plan.kind).toBe('aggregate');
    if (plan.kind !== 'aggregate') return;
    expect(plan.pipeline[0]).toMatchObject({ $match: { tenantId: TENANT, $text: { $search: 'wireless head' } } });
    expect(plan.pipeline.map((s) => Object.keys(s)[0])).toEqual(['$match', '$addFields', '$sort', '$limit']);
    const regex = productListPlan({ tenantId: TENANT, staff: false }, { q: 'a.b' }, undefined, { textSearch: false });
    expect(regex.kind === 'find' && regex.filter.name).toEqual({ $regex: 'a\\.b', $options: 'i' });
  });
});

describe('explain (where the server plans like MongoDB)', () => {
  let client: MongoClient;
  let ferret: string | null = null;
  beforeAll(async () => {
    client = await MongoClient.connect(inject('mongoUri'));
    const info = await client.db('admin').command({ buildInfo: 1 });
    // FerretDB answers buildInfo with ferretdbVersion; its explain is its SQL backend's plan
    // (filterPushdown/sortPushdown flags), with no MongoDB stages to check.
    if ('ferretdbVersion' in info)
      ferret = `FerretDB (ferretdbVersion ${String(info.ferretdbVersion)}) plans in its SQL backend and sorts in memory`;
  });
  afterAll(() => client?.close());

  it('uses an index and no in-memory sort for every shape', async (ctx) => {
    if (ferret) {
      console.log(`explain checks skipped: ${ferret}; the static index check above still ran`);
      ctx.skip();
    }
    const db = client.db(inject('bindings').MONGO_DATABASE!);
    const stages = (plan: Document): string[] => [
      plan.stage as string,
      ...((plan.inputStages ?? (plan.inputStage ? [plan.inputStage] : [])) as Document[]).flatMap(stages),
    ];
    for (const shape of [...productShapes(), ...reviewShapes()]) {
      const explained = await db.command({
        explain: { find: shape.collection, filter: shape.filter, sort: shape.sort, limit: 21 },
        verbosity: 'queryPlanner',
      });
      const winning = (explained.queryPlanner as Document).winningPlan as Document;
      const used = stages((winning.queryPlan as Document | undefined) ?? winning);
      expect(used, shape.name).not.toContain('COLLSCAN');
      expect(used, shape.name).not.toContain('SORT');
    }
  });
});
