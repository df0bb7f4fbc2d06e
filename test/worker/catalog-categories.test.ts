import type { InferRequestType } from 'hono/client';
import { describe, expect, it } from 'vitest';

import { CategoryTree, type CategoryNodeShape } from '../../src/routes/categories/categories.schemas.ts';
import {
  api,
  apiAs,
  createProduct,
  fieldsOf as fields,
  jsonOf,
  shop,
  type Caller,
  type Product,
  type TestUser,
} from '../fixtures/index.ts';
import { CATEGORIES as C, PRODUCTS as P, send } from './catalog-helpers.ts';

// Requests the typed client cannot send (a malformed id, a body the schema refuses) go through
// the raw `send`: they test what the API answers to input its types rule out.

// The tree is recursive, which the client's JSON typing flattens: read it through the route's own schema.
type Node = CategoryNodeShape;

async function category(manager: TestUser, json: InferRequestType<typeof api.categories.$post>['json']) {
  return jsonOf(await apiAs(manager).categories.$post({ json }), 201);
}

/** The category tree as `who` reads it. */
const tree = async (who: Caller | TestUser, includeInactive?: 'true') => {
  const res = await apiAs(who).categories.$get({ header: {}, query: includeInactive ? { includeInactive } : {} });
  return CategoryTree.parse(await jsonOf(res, 200)).data;
};
/** One category by slug, as `who` reads it. */
const bySlug = (who: Caller | TestUser, slug: string) =>
  apiAs(who).categories[':slug'].$get({ param: { slug }, header: {} });
const productOf = async (manager: TestUser, idOrSlug: string) =>
  jsonOf(await apiAs(manager).products[':idOrSlug'].$get({ param: { idOrSlug }, header: {} }), 200);

/** An ACTIVE, published product at 1.00, no stock, in `categoryId`. */
const product = (
  manager: TestUser,
  categoryId: string | null,
  name = `P ${crypto.randomUUID().slice(0, 6)}`,
): Promise<Product> => createProduct(manager, { name, price: '1.00', stockQuantity: 0, categoryId });

async function counts(manager: TestUser): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const walk = (nodes: Node[]) => nodes.forEach((n) => ((out[n.slug] = n.productCount), walk(n.children)));
  walk(await tree(manager, 'true'));
  return out;
}

describe('categories: refused', () => {
  it('writes need credentials and write:products (delete: delete:products); recount needs ADMIN', async () => {
    const { manager, user, tenantId } = await shop();
    expect((await send(null, 'POST', C, { body: { name: 'X' }, headers: { 'x-tenant-id': tenantId } })).status).toBe(
      401,
    );
    expect((await send(user, 'POST', C, { body: { name: 'X' } })).status).toBe(403);
    const cat = await category(manager, { name: 'Owned' });
    expect((await send(user, 'PATCH', `${C}/${cat.id}`, { body: { name: 'Y' } })).status).toBe(403);
    expect((await send(user, 'DELETE', `${C}/${cat.id}`)).status).toBe(403);
    expect((await send(manager, 'POST', `${C}/recount`)).status).toBe(403);
    expect((await send(user, 'GET', `${C}?includeInactive=true`)).status).toBe(403);
  });

  it('bad ids, unknown parents, duplicate slugs, bad fields: 400/409 naming the field', async () => {
    const { manager } = await shop();
    let res = await send(manager, 'PATCH', `${C}/nope`, { body: { name: 'x' } });
    expect(res.status).toBe(400);
    expect(await fields(res)).toContain('param.id');
    res = await send(manager, 'DELETE', `${C}/123`);
    expect(await fields(res)).toContain('param.id');
    res = await send(manager, 'POST', C, { body: { name: 'Orphan', parentId: 'f'.repeat(24) } });
    expect(res.status).toBe(400);
    expect(await fields(res)).toContain('body.parentId');
    res = await send(manager, 'POST', C, {
      body: { name: '', slug: 'Bad Slug', metaTitle: 'x'.repeat(71), imageUrl: 'nope' },
    });
    expect(res.status).toBe(400);
    expect(await fields(res)).toEqual(
      expect.arrayContaining(['body.name', 'body.slug', 'body.metaTitle', 'body.imageUrl']),
    );

    await category(manager, { name: 'Audio', slug: 'audio' });
    res = await send(manager, 'POST', C, { body: { name: 'Audio 2', slug: 'audio' } });
    expect(res.status).toBe(409);
    expect(await fields(res)).toContain('body.slug');
    // A generated slug gets a suffix instead.
    expect((await category(manager, { name: 'Audio' })).slug).toBe('audio-2');
    const other = await category(manager, { name: 'Video' });
    res = await send(manager, 'PATCH', `${C}/${other.id}`, { body: { slug: 'audio' } });
    expect(res.status).toBe(409);
    expect(await fields(res)).toContain('body.slug');
    expect((await send(manager, 'PATCH', `${C}/${'a'.repeat(24)}`, { body: { name: 'x' } })).status).toBe(404);
  });

  it('a category cannot move under itself or its own descendant (409); nothing moves', async () => {
    const { manager } = await shop();
    const a = await category(manager, { name: 'A' });
    const b = await category(manager, { name: 'B', parentId: a.id });
    const c = await category(manager, { name: 'C', parentId: b.id });
    for (const target of [a, b, c]) {
      const res = await send(manager, 'PATCH', `${C}/${a.id}`, { body: { parentId: target.id } });
      expect(res.status).toBe(409);
      expect(await fields(res)).toContain('body.parentId');
    }
    const detail = await jsonOf(await bySlug(manager, 'c'), 200);
    expect(detail).toMatchObject({ path: 'a/b/c', level: 2 });
  });

  it('delete: 409 with children or products; another tenant sees nothing', async () => {
    const { manager, tenantId } = await shop();
    const other = await shop();
    const parent = await category(manager, { name: 'Parent' });
    const child = await category(manager, { name: 'Child', parentId: parent.id });
    expect((await send(manager, 'DELETE', `${C}/${parent.id}`)).status).toBe(409);
    const p = await product(manager, child.id);
    expect((await send(manager, 'DELETE', `${C}/${child.id}`)).status).toBe(409);

    expect((await send(other.manager, 'GET', `${C}/parent`)).status).toBe(404);
    expect((await send(other.manager, 'DELETE', `${C}/${child.id}`)).status).toBe(404);
    expect(await tree({ tenantId: other.tenantId })).toEqual([]);

    // Once the product is deleted and the child is gone, both can go.
    expect((await send(manager, 'DELETE', `${P}/${p.id}`)).status).toBe(204);
    expect((await send(manager, 'DELETE', `${C}/${child.id}`)).status).toBe(204);
    expect((await send(manager, 'DELETE', `${C}/${parent.id}`)).status).toBe(204);
    expect(await tree({ tenantId })).toEqual([]);
  });
});

describe('categories: working', () => {
  it('builds the tree ordered by displayOrder; inactive branches are hidden from the public', async () => {
    const { manager, tenantId } = await shop();
    const electronics = await category(manager, { name: 'Electronics', displayOrder: 2 });
    await category(manager, { name: 'Books', displayOrder: 1 });
    const audio = await category(manager, { name: 'Audio', parentId: electronics.id, displayOrder: 2 });
    await category(manager, { name: 'Phones', parentId: electronics.id, displayOrder: 1 });
    const headphones = await category(manager, {
      name: 'Headphones',
      parentId: audio.id,
      metaTitle: 'Headphones - Shop',
    });
    await category(manager, { name: 'Hidden', active: false, displayOrder: 3 });
    expect(headphones).toMatchObject({ path: 'electronics/audio/headphones', level: 2, parentId: audio.id });

    const publicTree = await tree({ tenantId });
    expect(publicTree.map((n) => n.slug)).toEqual(['books', 'electronics']);
    expect(publicTree[1]!.children.map((n) => n.slug)).toEqual(['phones', 'audio']);
    expect(publicTree[1]!.children[1]!.children.map((n) => n.path)).toEqual(['electronics/audio/headphones']);
    const staffTree = await tree(manager, 'true');
    expect(staffTree.map((n) => n.slug)).toEqual(['books', 'electronics', 'hidden']);

    const detail = await bySlug({ tenantId }, 'audio');
    expect(await jsonOf(detail, 200)).toMatchObject({
      slug: 'audio',
      ancestors: [{ slug: 'electronics' }],
      children: [{ slug: 'headphones' }],
    });
    expect((await send(null, 'GET', `${C}/hidden`, { headers: { 'x-tenant-id': tenantId } })).status).toBe(404);
    expect((await send(manager, 'GET', `${C}/hidden`)).status).toBe(200);
    // Deactivating a parent hides its subtree from the public.
    await send(manager, 'PATCH', `${C}/${audio.id}`, { body: { active: false } });
    expect((await send(null, 'GET', `${C}/headphones`, { headers: { 'x-tenant-id': tenantId } })).status).toBe(404);
  });

  it('moving a category rewrites the path and level of its subtree and the category copies in products', async () => {
    const { manager, tenantId } = await shop();
    const electronics = await category(manager, { name: 'Electronics' });
    const books = await category(manager, { name: 'Books' });
    const audio = await category(manager, { name: 'Audio', parentId: electronics.id });
    const headphones = await category(manager, { name: 'Headphones', parentId: audio.id });
    const inEar = await category(manager, { name: 'In Ear', parentId: headphones.id });
    const p = await product(manager, inEar.id, 'Tiny Buds');

    const res = await apiAs(manager).categories[':id'].$patch({
      param: { id: audio.id },
      json: { parentId: books.id, slug: 'sound' },
    });
    expect(await jsonOf(res, 200)).toMatchObject({ path: 'books/sound', level: 1, parentId: books.id, slug: 'sound' });
    const moved = await jsonOf(await bySlug(manager, 'in-ear'), 200);
    expect(moved).toMatchObject({ path: 'books/sound/headphones/in-ear', level: 3 });
    const prod = await productOf(manager, p.id);
    expect(prod.category).toMatchObject({ id: inEar.id, path: 'books/sound/headphones/in-ear' });

    const list = async (category: string) =>
      (await jsonOf(await apiAs({ tenantId }).products.$get({ query: { category }, header: {} }), 200)).data.map(
        (x) => x.id,
      );
    expect(await list('books')).toEqual([p.id]);
    expect(await list('sound')).toEqual([p.id]);
    expect(await list('electronics')).toEqual([]);

    // To the root, then a rename: copies follow.
    await send(manager, 'PATCH', `${C}/${headphones.id}`, { body: { parentId: null, name: 'Cans' } });
    expect(await jsonOf(await bySlug(manager, 'in-ear'), 200)).toMatchObject({
      path: 'headphones/in-ear',
      level: 1,
    });
    const head = await jsonOf(await bySlug(manager, 'headphones'), 200);
    expect(head).toMatchObject({ name: 'Cans', path: 'headphones', level: 0, parentId: null });
    await send(manager, 'PATCH', `${C}/${inEar.id}`, { body: { name: 'In-Ear Monitors' } });
    expect((await productOf(manager, p.id)).category).toMatchObject({
      name: 'In-Ear Monitors',
      path: 'headphones/in-ear',
    });
  });

  it('productCount follows creates, moves and deletes; the recount agrees', async () => {
    const { manager, admin } = await shop();
    const a = await category(manager, { name: 'Shelf A' });
    const b = await category(manager, { name: 'Shelf B' });
    const p1 = await product(manager, a.id);
    const p2 = await product(manager, a.id);
    await product(manager, b.id);
    await product(manager, null);
    expect(await counts(manager)).toEqual({ 'shelf-a': 2, 'shelf-b': 1 });

    let res = await send(manager, 'PATCH', `${P}/${p1.id}`, {
      body: { categoryId: b.id },
      headers: { 'if-match': '"1"' },
    });
    expect(res.status).toBe(200);
    expect(await counts(manager)).toEqual({ 'shelf-a': 1, 'shelf-b': 2 });
    res = await send(manager, 'PATCH', `${P}/${p2.id}`, { body: { categoryId: null }, headers: { 'if-match': '"1"' } });
    expect(res.status).toBe(200);
    expect(await counts(manager)).toEqual({ 'shelf-a': 0, 'shelf-b': 2 });
    res = await send(manager, 'DELETE', `${P}/${p1.id}`);
    expect(res.status).toBe(204);
    expect(await counts(manager)).toEqual({ 'shelf-a': 0, 'shelf-b': 1 });

    // Concurrent creates in one category: $inc may lose updates on FerretDB; the recount is exact.
    await Promise.all(Array.from({ length: 6 }, () => product(manager, a.id)));
    const recount = await jsonOf(await apiAs(admin).categories.recount.$post(), 200);
    expect(recount.productCounts).toEqual({
      [a.id]: 6,
      [b.id]: 1,
    });
    expect(await counts(manager)).toEqual({ 'shelf-a': 6, 'shelf-b': 1 });
  });
});
