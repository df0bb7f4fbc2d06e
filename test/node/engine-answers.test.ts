/**
 * The local engine answers like MongoDB: random catalog-shaped queries (equality on subsets of
 * tenant, status, category and published, price ranges, the lists' sorts with their `_id`
 * tiebreak, pages and counts) on a `products` collection with the app's indexes (the Mongo
 * migrations), compared with the same query evaluated in memory.
 *
 * Regression for DocumentDB 0.107's ordered index settings (scripts/lib/engine.ts): with
 * `documentdb_rum.enableSkipIntermediateEntry` on, a filter that leaves an index key unbound
 * lost documents: 72 of 300 such queries answered wrong, some with nothing at all.
 */
import { MongoClient, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { migrateMongo } from '../../scripts/lib/mongo-migrate.ts';

const DB = `engine_answers_${Date.now()}`;
const client = new MongoClient(inject('mongoUri'));
const products = client.db(DB).collection<Product>('products');

interface Product {
  _id: ObjectId;
  tenantId: string;
  slug: string;
  status: string;
  published: boolean;
  deletedAt: null;
  category: { id: string; name: string } | null;
  price: number;
  averageRating: number;
  createdAt: Date;
}

let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(values: T[]): T => values[Math.floor(random() * values.length)]!;
const tenants = ['t1', 't2', 't3'];
const statuses = ['ACTIVE', 'DRAFT', 'ARCHIVED'];
const categories = Array.from({ length: 6 }, () => new ObjectId().toHexString());
const docs: Product[] = Array.from({ length: 1500 }, (_, i) => ({
  _id: new ObjectId(),
  tenantId: pick(tenants),
  slug: `p-${i}`,
  status: pick(statuses),
  published: random() < 0.7,
  deletedAt: null,
  category: random() < 0.9 ? { id: pick(categories), name: 'c' } : null,
  price: Math.floor(random() * 500),
  averageRating: Math.floor(random() * 6),
  createdAt: new Date(1_700_000_000_000 + Math.floor(random() * 1e9)),
}));

beforeAll(async () => {
  await client.connect();
  await migrateMongo({ uri: inject('mongoUri'), database: DB, client });
  for (let i = 0; i < docs.length; i += 500) await products.insertMany(docs.slice(i, i + 500));
}, 120_000);

afterAll(async () => {
  await client.db(DB).dropDatabase();
  await client.close();
});

type Filter = Record<string, unknown>;
type Sort = Record<string, 1 | -1>;

function matches(d: Product, filter: Filter): boolean {
  return Object.entries(filter).every(([key, want]) => {
    const value = key === 'category.id' ? d.category?.id : (d as unknown as Record<string, unknown>)[key];
    if (want && typeof want === 'object' && '$in' in want) return (want.$in as unknown[]).includes(value);
    if (want && typeof want === 'object' && '$gte' in want) {
      const range = want as { $gte: number; $lte: number };
      return (value as number) >= range.$gte && (value as number) <= range.$lte;
    }
    return value === want;
  });
}

function compare(sort: Sort) {
  return (a: Product, b: Product): number => {
    for (const [key, dir] of Object.entries(sort)) {
      const x = key === '_id' ? a._id.toHexString() : (a[key as keyof Product] as number | Date);
      const y = key === '_id' ? b._id.toHexString() : (b[key as keyof Product] as number | Date);
      if (x < y) return -dir;
      if (x > y) return dir;
    }
    return 0;
  };
}

describe('the engine answers catalog queries as MongoDB does', () => {
  it('200 random filters, sorts and pages: the same documents in the same order, the same counts', async () => {
    const sorts: Sort[] = [
      { price: 1, _id: 1 },
      { createdAt: -1, _id: -1 },
      { averageRating: -1, _id: -1 },
    ];
    const wrong: string[] = [];
    for (let q = 0; q < 200; q++) {
      const filter: Filter = {};
      if (random() < 0.9) filter.tenantId = pick(tenants);
      if (random() < 0.5) filter.status = pick(statuses);
      if (random() < 0.5)
        filter['category.id'] = random() < 0.7 ? pick(categories) : { $in: [pick(categories), pick(categories)] };
      if (random() < 0.3) filter.published = true;
      if (random() < 0.3) filter.price = { $gte: Math.floor(random() * 250), $lte: 250 + Math.floor(random() * 250) };
      const sort = pick(sorts);
      const limit = random() < 0.5 ? 21 : 0;
      const all = docs.filter((d) => matches(d, filter)).sort(compare(sort));
      const expected = (limit ? all.slice(0, limit) : all).map((d) => d._id.toHexString());
      const got = (
        await products.find(filter).sort(sort).limit(limit).project<{ _id: ObjectId }>({ _id: 1 }).toArray()
      ).map((d) => d._id.toHexString());
      const count = await products.countDocuments(filter);
      if (JSON.stringify(got) !== JSON.stringify(expected) || count !== all.length)
        wrong.push(
          `${JSON.stringify(filter)} sort ${JSON.stringify(sort)}: ${got.length}/${expected.length}, count ${count}/${all.length}`,
        );
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});
