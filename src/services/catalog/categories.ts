/**
 * Product categories: a tree per tenant. Each category stores its parent (`parentId`,
 * ObjectId hex or null), its depth (`level`, 0 at the root) and its slug path
 * (`path`, e.g. `electronics/audio`), so a subtree is one anchored-prefix query
 * (`path` = P or starts with `P/`). Slugs are unique per tenant (unique index
 * {tenantId, slug}); a path is therefore unique too.
 *
 * Products embed `category: {id, name, slug, path}`; renaming or moving a category
 * refreshes those copies (updateMany on products by `category.id`).
 *
 * `productCount` = products of the tenant that are not deleted and whose category is
 * exactly this one (descendants are not added in). It is kept by `$inc` as products are
 * created with a category, moved, and deleted (`adjustCategoryCounts`, called by
 * whoever moved the product's projection to the new version: the command, or a reader
 * repairing a lag). `$inc` on one document is not atomic on
 * FerretDB v1 under heavy concurrency, and a crash between the projection and the
 * `$inc` skips it, so `recountProductCounts` recomputes the counts from the products
 * collection: `POST /products/:id/rebuild` runs it for the product's categories and
 * `POST /categories/recount` for the whole tenant.
 */
import { ObjectId } from 'bson';

import type { DataApiClient } from '../../db/mongo/client.ts';
import { DuplicateKeyError } from '../../db/mongo/errors.ts';
import { problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
import { collection, findById, recountCounts, type CategoryDoc } from './category-store.ts';
import { CATEGORIES, escapeRegex, isObjectIdHex, nextFreeSlug, PRODUCTS, slugify } from './common.ts';
import { catalogErrors } from './errors.ts';
import { MAX_CATEGORY_LEVEL, type CategoryInput, type CategoryPatch } from './model.ts';
import { isCatalogStaff, STAFF_PERMISSION } from './reader.ts';
import { categoryView, type CategoryDetail, type CategoryTreeNode, type CategoryView } from './views.ts';

const byDisplayOrder = (a: CategoryView, b: CategoryView) =>
  a.displayOrder - b.displayOrder || a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

/**
 * The whole tree, children ordered by displayOrder (then name). Without
 * `includeInactive`, an inactive category hides itself and its subtree; only staff
 * (write:products) may ask for the inactive ones (403).
 */
export async function categoryTree(
  ctx: ServiceContext,
  opts: { includeInactive: boolean },
): Promise<CategoryTreeNode[]> {
  if (opts.includeInactive && !isCatalogStaff(ctx))
    throw problems.forbidden(`Only staff (${STAFF_PERMISSION}) may see inactive categories.`);
  const mongo = ctx.stores.mongo();
  const tenantId = ctx.tenantId;
  const docs = await collection(mongo).find({ tenantId }, { sort: { level: 1, displayOrder: 1 }, limit: 50_000 });
  const nodes = new Map<string, CategoryTreeNode>();
  for (const doc of docs) nodes.set(doc._id.toHexString(), { ...categoryView(doc), children: [] });
  const roots: CategoryTreeNode[] = [];
  for (const node of nodes.values()) {
    if (!opts.includeInactive && !node.active) continue;
    if (node.parentId === null) roots.push(node);
    else nodes.get(node.parentId)?.children.push(node);
  }
  const sort = (list: CategoryTreeNode[]) => {
    list.sort(byDisplayOrder);
    for (const n of list) sort(n.children);
  };
  sort(roots);
  return roots;
}

/**
 * One category by slug (or id), with its ancestors (root first) and direct children. Staff
 * (write:products) also see inactive ones; for anyone else they are 404.
 */
export async function getCategory(ctx: ServiceContext, slugOrId: string): Promise<CategoryDetail> {
  const mongo = ctx.stores.mongo();
  const tenantId = ctx.tenantId;
  const opts = { includeInactive: isCatalogStaff(ctx) };
  let doc = await collection(mongo).findOne({ tenantId, slug: slugOrId });
  if (!doc && isObjectIdHex(slugOrId)) doc = await findById(mongo, tenantId, slugOrId);
  if (!doc) throw catalogErrors.categoryNotFound();
  const ancestorSlugs = doc.path.split('/').slice(0, -1);
  const related = await collection(mongo).find(
    {
      tenantId,
      $or: [{ parentId: doc._id.toHexString() }, ...(ancestorSlugs.length ? [{ slug: { $in: ancestorSlugs } }] : [])],
    },
    { limit: 50_000 },
  );
  const ancestors = ancestorSlugs
    .map((slug) => related.find((r) => r.slug === slug))
    .filter((a): a is CategoryDoc => a !== undefined);
  if (!opts.includeInactive && (doc.active === false || ancestors.some((a) => a.active === false)))
    throw catalogErrors.categoryNotFound();
  const children = related
    .filter((r) => r.parentId === doc._id.toHexString())
    .map(categoryView)
    .filter((c) => opts.includeInactive || c.active)
    .sort(byDisplayOrder);
  return {
    ...categoryView(doc),
    ancestors: ancestors.map((a) => ({ id: a._id.toHexString(), name: a.name, slug: a.slug })),
    children,
  };
}

async function parentOf(mongo: DataApiClient, tenantId: string, parentId: string): Promise<CategoryDoc> {
  const parent = await findById(mongo, tenantId, parentId);
  if (!parent) throw catalogErrors.invalidField('body.parentId', 'no such category');
  return parent;
}

export async function createCategory(ctx: ServiceContext, input: CategoryInput): Promise<CategoryView> {
  const mongo = ctx.stores.mongo();
  const tenantId = ctx.tenantId;
  const parent = input.parentId ? await parentOf(mongo, tenantId, input.parentId) : null;
  const level = parent ? parent.level + 1 : 0;
  if (level > MAX_CATEGORY_LEVEL) {
    throw catalogErrors.fieldConflict('body.parentId', `categories nest at most ${MAX_CATEGORY_LEVEL + 1} levels deep`);
  }
  const base = input.slug ?? slugify(input.name);
  const now = new Date();
  for (let attempt = 0; attempt < 8; attempt++) {
    const slug = input.slug ?? (await nextFreeSlug(mongo, CATEGORIES, tenantId, base));
    const doc: CategoryDoc = {
      _id: new ObjectId(),
      tenantId,
      name: input.name,
      slug,
      description: input.description ?? null,
      parentId: parent ? parent._id.toHexString() : null,
      level,
      path: parent ? `${parent.path}/${slug}` : slug,
      imageUrl: input.imageUrl ?? null,
      displayOrder: input.displayOrder ?? 0,
      metaTitle: input.metaTitle ?? null,
      metaDescription: input.metaDescription ?? null,
      active: input.active ?? true,
      productCount: 0,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await collection(mongo).insertOne(doc);
      return categoryView(doc);
    } catch (err) {
      if (!(err instanceof DuplicateKeyError)) throw err;
      if (input.slug) throw catalogErrors.fieldConflict('body.slug', `slug '${input.slug}' is taken`);
    }
  }
  throw problems.conflict('Could not find a free slug; retry.');
}

/**
 * Changes a category. A new `slug` or `parentId` moves the category: its path and
 * level change, and so do its descendants' (rewritten by path prefix) and the
 * category copies in products. Moving under itself or a descendant: 409.
 * Not atomic across documents (categories are staff-managed, rarely concurrent).
 */
export async function updateCategory(
  ctx: ServiceContext,
  { categoryId: id, patch }: { categoryId: string; patch: CategoryPatch },
): Promise<CategoryView> {
  const mongo = ctx.stores.mongo();
  const tenantId = ctx.tenantId;
  const current = await findById(mongo, tenantId, id);
  if (!current) throw catalogErrors.categoryNotFound();
  const set: Partial<CategoryDoc> = {};
  for (const key of [
    'name',
    'description',
    'imageUrl',
    'displayOrder',
    'metaTitle',
    'metaDescription',
    'active',
  ] as const) {
    if (patch[key] !== undefined) (set as Record<string, unknown>)[key] = patch[key];
  }

  const slug = patch.slug ?? current.slug;
  const parentChanged = patch.parentId !== undefined && (patch.parentId ?? null) !== current.parentId;
  const moved = slug !== current.slug || parentChanged;
  let newPath = current.path;
  let newLevel = current.level;
  let descendants: CategoryDoc[] = [];
  if (moved) {
    const parentId = parentChanged ? (patch.parentId ?? null) : current.parentId;
    const parent = parentId ? await parentOf(mongo, tenantId, parentId) : null;
    if (parent && (parent.path === current.path || parent.path.startsWith(`${current.path}/`))) {
      throw catalogErrors.fieldConflict(
        'body.parentId',
        'a category cannot move under itself or one of its descendants',
      );
    }
    newPath = parent ? `${parent.path}/${slug}` : slug;
    newLevel = parent ? parent.level + 1 : 0;
    descendants = await collection(mongo).find(
      { tenantId, path: { $regex: `^${escapeRegex(current.path)}/` } },
      { limit: 50_000 },
    );
    const deepest = Math.max(current.level, ...descendants.map((d) => d.level));
    if (deepest - current.level + newLevel > MAX_CATEGORY_LEVEL) {
      throw catalogErrors.fieldConflict(
        'body.parentId',
        `categories nest at most ${MAX_CATEGORY_LEVEL + 1} levels deep`,
      );
    }
    Object.assign(set, { slug, parentId: parent ? parent._id.toHexString() : null, path: newPath, level: newLevel });
  }
  if (Object.keys(set).length === 0) return categoryView(current);
  set.updatedAt = new Date();

  try {
    await collection(mongo).updateOne({ _id: current._id, tenantId }, { $set: set });
  } catch (err) {
    if (err instanceof DuplicateKeyError) throw catalogErrors.fieldConflict('body.slug', `slug '${slug}' is taken`);
    throw err;
  }

  // Descendants follow (path prefix rewritten, level shifted).
  const products = mongo.collection(PRODUCTS);
  const rewrites: Array<Promise<unknown>> = [];
  for (const d of descendants) {
    const path = newPath + d.path.slice(current.path.length);
    const level = d.level - current.level + newLevel;
    rewrites.push(
      collection(mongo).updateOne({ _id: d._id, tenantId }, { $set: { path, level, updatedAt: set.updatedAt } }),
    );
    rewrites.push(
      products.updateMany({ tenantId, 'category.id': d._id.toHexString() }, { $set: { 'category.path': path } }),
    );
  }
  await Promise.all(rewrites);
  const next = { ...current, ...set } as CategoryDoc;
  if (moved || next.name !== current.name) {
    await products.updateMany(
      { tenantId, 'category.id': current._id.toHexString() },
      { $set: { 'category.name': next.name, 'category.slug': next.slug, 'category.path': next.path } },
    );
  }
  return categoryView(next);
}

/** 409 while it has children or (not deleted) products. */
export async function deleteCategory(ctx: ServiceContext, id: string): Promise<void> {
  const mongo = ctx.stores.mongo();
  const tenantId = ctx.tenantId;
  const current = await findById(mongo, tenantId, id);
  if (!current) throw catalogErrors.categoryNotFound();
  const [child, product] = await Promise.all([
    collection(mongo).findOne({ tenantId, parentId: id.toLowerCase() }, { projection: { _id: 1 } }),
    mongo
      .collection(PRODUCTS)
      .findOne(
        { tenantId, 'category.id': id.toLowerCase(), deletedAt: null, version: { $gte: 1 } },
        { projection: { _id: 1 } },
      ),
  ]);
  if (child) throw problems.conflict('The category has subcategories; move or delete them first.');
  if (product) throw problems.conflict('The category has products; move or delete them first.');
  await collection(mongo).deleteOne({ _id: current._id, tenantId });
}

/** Recomputes productCount of every category of the context's tenant (see recountCounts). */
export function recountProductCounts(ctx: ServiceContext): Promise<Record<string, number>> {
  return recountCounts(ctx.stores.mongo(), ctx.tenantId);
}
