import { describe, expect, it } from 'vitest';

import { CATEGORIES as C, createProduct, fields, PRODUCTS as P, send, shop, type Product } from './catalog-helpers.ts';
import type { TestUser } from './identity-helpers.ts';

interface Category {
  id: string;
  name: string;
  slug: string;
  parentId: string | null;
  level: number;
  path: string;
  displayOrder: number;
  active: boolean;
  productCount: number;
}
interface Node extends Category {
  children: Node[];
}

async function category(manager: TestUser, body: Record<string, unknown>): Promise<Category> {
  const res = await send(manager, 'POST', C, { body });
  if (res.status !== 201) throw new Error(`category failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Category;
}

/** An ACTIVE, published product at 1.00, no stock, in `categoryId`. */
const product = (
  manager: TestUser,
  categoryId: string | null,
  name = `P ${crypto.randomUUID().slice(0, 6)}`,
): Promise<Product> => createProduct(manager, { name, price: '1.00', stockQuantity: 0, categoryId });

async function counts(manager: TestUser): Promise<Record<string, number>> {
  const tree = ((await (await send(manager, 'GET', `${C}?includeInactive=true`)).json()) as { data: Node[] }).data;
  const out: Record<string, number> = {};
  const walk = (nodes: Node[]) => nodes.forEach((n) => ((out[n.slug] = n.productCount), walk(n.children)));
  walk(tree);
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
    const detail = (await (await send(manager, 'GET', `${C}/c`)).json()) as Category;
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
    expect(
      ((await (await send(null, 'GET', C, { headers: { 'x-tenant-id': other.tenantId } })).json()) as { data: Node[] })
        .data,
    ).toEqual([]);

    // Once the product is deleted and the child is gone, both can go.
    expect((await send(manager, 'DELETE', `${P}/${p.id}`)).status).toBe(204);
    expect((await send(manager, 'DELETE', `${C}/${child.id}`)).status).toBe(204);
    expect((await send(manager, 'DELETE', `${C}/${parent.id}`)).status).toBe(204);
    expect(
      ((await (await send(null, 'GET', C, { headers: { 'x-tenant-id': tenantId } })).json()) as { data: Node[] }).data,
    ).toEqual([]);
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

    const res = await send(null, 'GET', C, { headers: { 'x-tenant-id': tenantId } });
    expect(res.status).toBe(200);
    const tree = ((await res.json()) as { data: Node[] }).data;
    expect(tree.map((n) => n.slug)).toEqual(['books', 'electronics']);
    expect(tree[1]!.children.map((n) => n.slug)).toEqual(['phones', 'audio']);
    expect(tree[1]!.children[1]!.children.map((n) => n.path)).toEqual(['electronics/audio/headphones']);
    const staffTree = ((await (await send(manager, 'GET', `${C}?includeInactive=true`)).json()) as { data: Node[] })
      .data;
    expect(staffTree.map((n) => n.slug)).toEqual(['books', 'electronics', 'hidden']);

    const detail = await send(null, 'GET', `${C}/audio`, { headers: { 'x-tenant-id': tenantId } });
    expect(await detail.json()).toMatchObject({
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

    const res = await send(manager, 'PATCH', `${C}/${audio.id}`, { body: { parentId: books.id, slug: 'sound' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ path: 'books/sound', level: 1, parentId: books.id, slug: 'sound' });
    const moved = (await (await send(manager, 'GET', `${C}/in-ear`)).json()) as Category;
    expect(moved).toMatchObject({ path: 'books/sound/headphones/in-ear', level: 3 });
    const prod = (await (await send(manager, 'GET', `${P}/${p.id}`)).json()) as Product;
    expect(prod.category).toMatchObject({ id: inEar.id, path: 'books/sound/headphones/in-ear' });

    const list = async (cat: string) =>
      (
        (await (await send(null, 'GET', `${P}?category=${cat}`, { headers: { 'x-tenant-id': tenantId } })).json()) as {
          data: Product[];
        }
      ).data.map((x) => x.id);
    expect(await list('books')).toEqual([p.id]);
    expect(await list('sound')).toEqual([p.id]);
    expect(await list('electronics')).toEqual([]);

    // To the root, then a rename: copies follow.
    await send(manager, 'PATCH', `${C}/${headphones.id}`, { body: { parentId: null, name: 'Cans' } });
    expect((await (await send(manager, 'GET', `${C}/in-ear`)).json()) as Category).toMatchObject({
      path: 'headphones/in-ear',
      level: 1,
    });
    const head = (await (await send(manager, 'GET', `${C}/headphones`)).json()) as Category;
    expect(head).toMatchObject({ name: 'Cans', path: 'headphones', level: 0, parentId: null });
    await send(manager, 'PATCH', `${C}/${inEar.id}`, { body: { name: 'In-Ear Monitors' } });
    expect(((await (await send(manager, 'GET', `${P}/${p.id}`)).json()) as Product).category).toMatchObject({
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
    res = await send(admin, 'POST', `${C}/recount`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { productCounts: Record<string, number> }).productCounts).toEqual({
      [a.id]: 6,
      [b.id]: 1,
    });
    expect(await counts(manager)).toEqual({ 'shelf-a': 6, 'shelf-b': 1 });
  });
});
