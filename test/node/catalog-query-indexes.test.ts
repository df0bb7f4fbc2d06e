/**
 * Every catalog and review list query has an index serving its filter and sort.
 *
 * 1. Statically, everywhere: for each query the services send (built by the services' own
 *    plan functions), some index declared in src/db/mongo/migrations.ts starts with the
 *    query's equality fields (tenantId first), followed by its sort keys with the _id
 *    tiebreak in the same or the reversed direction. Left to the scan: `published` and
 *    `deletedAt` (nearly every ACTIVE product passes them) and range filters.
 * 2. With `explain` on the test server (FerretDB v2 on DocumentDB: PostgreSQL's plan; or
 *    MongoDB's stages): the index the service hints is scanned and, where it orders the page,
 *    nothing sorts in memory; first pages and keyset pages (`key >= K` + the `$or` tiebreak).
 */
import { MongoClient, ObjectId, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { servingIndex } from '../../src/db/mongo/serving-index.ts';
import { encodeCursor } from '../../src/lib/pagination.ts';
import {
  LIST_RESIDUAL_FIELDS,
  PRODUCT_SORTS,
  productListPlan,
  type ListProductsQuery,
} from '../../src/services/catalog/list-plan.ts';
import { sortSpec, type ReviewSort } from '../../src/services/reviews/cursor.ts';

const TENANT = '00000000-0000-4000-8000-0000000000aa';
const CATEGORY_IDS = ['65a000000000000000000001', '65a000000000000000000002'];
const RESIDUAL = LIST_RESIDUAL_FIELDS;

interface Shape {
  name: string;
  collection: string;
  filter: Document;
  sort: Record<string, 1 | -1>;
  /** The index the service names in its find (`hint`); undefined where the service sends none. */
  hint?: string | undefined;
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
      if (fname === 'plain' || fname === 'price') {
        const k =
          sort === 'newest' || sort === 'relevance' ? '2024-05-01T00:00:00.000Z' : sort === 'rating' ? 4.5 : 2500;
        const next = productListPlan(
          { tenantId: TENANT, staff: false },
          { ...f, sort, cursor: encodeCursor({ s: sort, k, id: CATEGORY_IDS[1] }) },
          undefined,
          { textSearch: false },
        );
        if (next.kind === 'find')
          shapes.push({
            name: `products ${fname} ${sort} next page`,
            collection: 'products',
            filter: next.filter as Document,
            sort: next.sort,
            hint: next.hint,
          });
      }
      shapes.push({
        name: `products ${fname} ${sort}`,
        collection: 'products',
        filter: plan.filter as Document,
        sort: plan.sort,
        hint: plan.hint,
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

/** The first declared index that serves the shape (src/db/mongo/serving-index.ts, what the services hint). */
const indexFor = (shape: Shape) => servingIndex(shape.collection, shape.filter, shape.sort, { residual: RESIDUAL });

describe('catalog and review queries have a serving index (declared in the migrations)', () => {
  for (const shape of [...productShapes(), ...reviewShapes()]) {
    it(shape.name, () => {
      expect(indexFor(shape), JSON.stringify({ filter: shape.filter, sort: shape.sort })).toBeDefined();
    });
  }

  it('every product list find names its serving index (hint), first pages and keyset pages', () => {
    for (const shape of productShapes()) expect(shape.hint, shape.name).toBe(indexFor(shape));
  });

  it('a keyset page bounds the sort key itself (`key >= K` / `key <= K`), inside a price filter', () => {
    const page = (sort: 'price_asc' | 'price_desc' | 'newest', k: unknown, f: ListProductsQuery = {}) => {
      const plan = productListPlan(
        { tenantId: TENANT, staff: false },
        { ...f, sort, cursor: encodeCursor({ s: sort, k, id: CATEGORY_IDS[1] }) },
        undefined,
        { textSearch: false },
      );
      return plan.kind === 'find' ? (plan.filter as Document) : {};
    };
    expect(page('price_asc', 2500).price).toEqual({ $gte: 25 });
    expect(page('price_desc', 2500).price).toEqual({ $lte: 25 });
    expect(page('newest', '2024-05-01T00:00:00.000Z').createdAt).toEqual({
      $lte: new Date('2024-05-01T00:00:00.000Z'),
    });
    // with a price filter the tighter bound wins, the other side is kept
    expect(page('price_asc', 2500, { minPriceMinor: 1000, maxPriceMinor: 5000 }).price).toEqual({ $gte: 25, $lte: 50 });
    expect(page('price_asc', 500, { minPriceMinor: 1000 }).price).toEqual({ $gte: 10 });
    expect(page('price_desc', 2500, { maxPriceMinor: 1000 }).price).toEqual({ $lte: 10 });
    expect(page('price_asc', 2500).$or).toEqual([
      { price: { $gt: 25 } },
      { price: 25, _id: { $gt: expect.anything() as unknown } },
    ]);
  });

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

/** A plan node of PostgreSQL's EXPLAIN (FORMAT JSON), as DocumentDB returns it in `queryPlanner.Plan`. */
interface PgPlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PgPlanNode[];
}

const pgNodes = (node: PgPlanNode): PgPlanNode[] => [node, ...(node.Plans ?? []).flatMap(pgNodes)];

/** MongoDB's stages (a real mongod, the gateway in front of Atlas). */
const mongoStages = (plan: Document): string[] => [
  plan.stage as string,
  ...((plan.inputStages ?? (plan.inputStage ? [plan.inputStage] : [])) as Document[]).flatMap(mongoStages),
];

/** A multi-valued `$in` on an equality key (a category subtree): several index ranges, merged by a sort. */
const mergesRanges = (shape: Shape) =>
  Object.values(shape.filter).some((v) => isPlainObject(v) && Array.isArray(v.$in) && v.$in.length > 1);

const isPlainObject = (v: unknown): v is Document => typeof v === 'object' && v !== null && !Array.isArray(v);

describe('explain: every list query walks its index', () => {
  let client: MongoClient;
  beforeAll(async () => {
    client = await MongoClient.connect(inject('mongoUri'));
  });
  afterAll(() => client?.close());

  /**
   * FerretDB v2 answers with DocumentDB's plan, which is PostgreSQL's: an Index Scan on the
   * expected index and, where the index orders the page, no Sort node (the Limit stops the
   * scan after limit + 1 rows). A product page whose category filter is a subtree (`$in` of
   * several ids) reads several index ranges and sorts their rows (MongoDB: SORT_MERGE).
   * Queries a service sends without a hint (reviews, categories, events) are explained with
   * their serving index as the hint: that index orders them. Unhinted, on the test's nearly
   * empty collections PostgreSQL reads the table (a Seq Scan of a few pages is cheaper), and
   * with data it picks among indexes of equal prefix by its own costs.
   */
  it('uses the expected index and no in-memory sort where the index orders', async () => {
    const db = client.db(inject('bindings').MONGO_DATABASE!);
    for (const listed of [...productShapes(), ...reviewShapes()]) {
      const shape = { ...listed, hint: listed.hint ?? indexFor(listed) };
      const explained = await db.command({
        explain: {
          find: shape.collection,
          filter: shape.filter,
          sort: shape.sort,
          limit: 21,
          ...(shape.hint ? { hint: shape.hint } : {}),
        },
        verbosity: 'queryPlanner',
      });
      const planner = explained.queryPlanner as Document;
      const label = `${shape.name}: ${JSON.stringify(planner.Plan ?? planner.winningPlan)}`;
      if (planner.Plan) {
        const nodes = pgNodes(planner.Plan as PgPlanNode);
        const scans = nodes.filter((n) => /Index (Only )?Scan/.test(n['Node Type']));
        expect(
          nodes.map((n) => n['Node Type']),
          label,
        ).not.toContain('Seq Scan');
        expect(scans.length, label).toBeGreaterThan(0);
        if (shape.hint) {
          expect(
            scans.map((n) => n['Index Name']),
            label,
          ).toContain(shape.hint);
          if (!mergesRanges(shape))
            expect(
              nodes.map((n) => n['Node Type']),
              label,
            ).not.toContain('Sort');
        }
      } else {
        const winning = planner.winningPlan as Document;
        const used = mongoStages((winning.queryPlan as Document | undefined) ?? winning);
        expect(used, label).not.toContain('COLLSCAN');
        if (!mergesRanges(shape)) expect(used, label).not.toContain('SORT');
      }
    }
  });
});

describe('answers that skip an index key are complete', () => {
  /**
   * DocumentDB 0.107's composite (ordered) index with `documentdb_rum.enableSkipIntermediateEntry`
   * on (its default) answered a filter that leaves out a middle key of an index (here
   * `{tenantId, category.id}` served by `{tenantId, status, category.id, averageRating, _id}`)
   * with rows missing: 8 of 10. The engine runs with that setting off (see docs/architecture.md, the local engine);
   * MongoDB scans the skipped key's whole range.
   */
  it('counts and finds every product of a category, with statuses and ratings spread', async () => {
    const client = await MongoClient.connect(inject('mongoUri'));
    try {
      const products = client.db(inject('bindings').MONGO_DATABASE!).collection('products');
      const tenantId = crypto.randomUUID();
      const categories = Array.from({ length: 5 }, () => new ObjectId().toHexString());
      const statuses = ['ACTIVE', 'DRAFT', 'OUT_OF_STOCK', 'ARCHIVED'];
      const docs = Array.from({ length: 300 }, (_, i) => ({
        tenantId,
        slug: `p-${i}`,
        status: statuses[(i * 7) % 4],
        category: { id: categories[(i * 3) % 5] },
        averageRating: ((i * 13) % 50) / 10,
        price: (i * 37) % 1000,
        createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
        deletedAt: null,
      }));
      await products.insertMany(docs);
      for (const id of categories) {
        const expected = docs.filter((d) => d.category.id === id).length;
        expect(await products.countDocuments({ tenantId, 'category.id': id }), id).toBe(expected);
        expect(await products.find({ tenantId, 'category.id': id }).toArray(), id).toHaveLength(expected);
      }
    } finally {
      await client.close();
    }
  });
});
