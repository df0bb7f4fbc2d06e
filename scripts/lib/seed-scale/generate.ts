/**
 * Deterministic generated data for `npm run db:seed:scale`: row i of a kind is a pure
 * function of (tenant, kind, i), so a resumed run writes exactly what an uninterrupted one
 * would, and re-writing a half-written batch only meets its own duplicates.
 *
 * Products go through the catalog's own reducer: a ProductCreatedEvent v1 per product and its
 * projection (applyEvent + projectionOf), as the API would have written them.
 */
import { createHash } from 'node:crypto';
import { ObjectId } from 'mongodb';

import {
  applyEvent,
  projectionOf,
  type CategoryRef,
  type ProductEvent,
} from '../../../src/services/catalog/product-reducer.ts';

const digest = (...parts: Array<string | number>) => createHash('sha256').update(parts.join('\u0000')).digest();

/** UUID (version 4 layout) from a hash. */
export function uuidOf(...parts: Array<string | number>): string {
  const b = digest(...parts);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Small deterministic PRNG per row. */
function rng(...parts: Array<string | number>) {
  let s = digest(...parts).readUInt32LE(0) || 1;
  return {
    int(n: number) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) % n;
    },
    pick<T>(list: readonly T[]): T {
      return list[this.int(list.length)]!;
    },
  };
}

/** Everything is dated in the year before this instant (fixed: deterministic). */
const EPOCH = Date.UTC(2026, 10, 1);
const YEAR_S = 365 * 24 * 3600;

/** ObjectId of product i: its creation second, then a tenant hash and i (unique per tenant and i). */
export function productObjectId(tenantId: string, i: number): ObjectId {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(Math.floor(EPOCH / 1000) - YEAR_S + Math.floor((i * 7919) % YEAR_S), 0);
  digest(tenantId).copy(b, 4, 0, 4);
  b.writeUInt32BE(i, 8);
  return new ObjectId(b);
}

const ADJECTIVES = [
  'Wireless',
  'Compact',
  'Ergonomic',
  'Smart',
  'Classic',
  'Ultra',
  'Portable',
  'Premium',
  'Eco',
  'Pro',
  'Mini',
  'Vintage',
];
const NOUNS = [
  'Headphones',
  'Keyboard',
  'Backpack',
  'Lamp',
  'Speaker',
  'Watch',
  'Jacket',
  'Blender',
  'Camera',
  'Sneakers',
  'Mug',
  'Tent',
  'Drone',
  'Monitor',
];
const BRANDS = [
  'AudioTech',
  'Northwind',
  'Contoso',
  'Fabrikam',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark',
  'Tyrell',
];
const COLORS = ['Black', 'White', 'Silver', 'Blue', 'Red', 'Green'];
const ROOTS = ['Electronics', 'Home', 'Fashion', 'Sports', 'Books', 'Toys', 'Garden', 'Beauty'];
const CHILDREN = ['Accessories', 'Essentials', 'Premium', 'Outlet'];
const CITIES = [
  ['Austin', 'TX', 'US'],
  ['Portland', 'OR', 'US'],
  ['Toronto', 'ON', 'CA'],
  ['Berlin', 'BE', 'DE'],
  ['Lyon', 'ARA', 'FR'],
  ['Osaka', 'OS', 'JP'],
] as const;
const FIRST = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Dennis',
  'Frances',
  'Edsger',
  'Radia',
  'Tim',
];
const LAST = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Berners-Lee',
];

export interface CategoryDocument {
  _id: ObjectId;
  tenantId: string;
  name: string;
  slug: string;
  description: string | null;
  parentId: string | null;
  level: number;
  path: string;
  imageUrl: string | null;
  displayOrder: number;
  metaTitle: string | null;
  metaDescription: string | null;
  active: boolean;
  productCount: number;
  createdAt: Date;
  updatedAt: Date;
}

/** 8 root categories with 4 children each; products go to the children. */
export function categories(tenantId: string): CategoryDocument[] {
  const out: CategoryDocument[] = [];
  const at = new Date(EPOCH - YEAR_S * 1000);
  ROOTS.forEach((root, r) => {
    const rootSlug = root.toLowerCase();
    const rootId = new ObjectId(digest(tenantId, 'category', rootSlug).subarray(0, 12));
    out.push({
      _id: rootId,
      tenantId,
      name: root,
      slug: rootSlug,
      description: `${root} of every kind`,
      parentId: null,
      level: 0,
      path: rootSlug,
      imageUrl: null,
      displayOrder: r,
      metaTitle: null,
      metaDescription: null,
      active: true,
      productCount: 0,
      createdAt: at,
      updatedAt: at,
    });
    CHILDREN.forEach((child, c) => {
      const slug = `${rootSlug}-${child.toLowerCase()}`;
      out.push({
        _id: new ObjectId(digest(tenantId, 'category', slug).subarray(0, 12)),
        tenantId,
        name: `${root} ${child}`,
        slug,
        description: null,
        parentId: rootId.toHexString(),
        level: 1,
        path: `${rootSlug}/${slug}`,
        imageUrl: null,
        displayOrder: c,
        metaTitle: null,
        metaDescription: null,
        active: true,
        productCount: 0,
        createdAt: at,
        updatedAt: at,
      });
    });
  });
  return out;
}

export const leafCategories = (all: CategoryDocument[]) => all.filter((c) => c.level === 1);

/** Index of the leaf category product i belongs to. */
export const categoryIndexOf = (tenantId: string, i: number, leaves: number) =>
  rng(tenantId, 'product-category', i).int(leaves);

/** _id of product i's ProductCreatedEvent document (deterministic, so a rewritten batch meets its duplicates). */
export const eventObjectId = (tenantId: string, i: number) =>
  new ObjectId(digest(tenantId, 'event-doc', i).subarray(0, 12));

/** Product i: its ProductCreatedEvent and the projection document (with rating fields the review service keeps). */
export function product(
  tenantId: string,
  i: number,
  leaves: CategoryDocument[],
): { doc: Record<string, unknown>; event: ProductEvent } {
  const r = rng(tenantId, 'product', i);
  const _id = productObjectId(tenantId, i);
  const id = _id.toHexString();
  const brand = r.pick(BRANDS);
  const name = `${r.pick(ADJECTIVES)} ${r.pick(NOUNS)} ${i}`;
  const cat = leaves[categoryIndexOf(tenantId, i, leaves.length)]!;
  const category: CategoryRef = { id: cat._id.toHexString(), name: cat.name, slug: cat.slug, path: cat.path };
  const priceMinor = 199 + r.int(99_800);
  const hasCompare = r.int(4) === 0;
  const statusRoll = r.int(100);
  const status = statusRoll < 90 ? 'ACTIVE' : statusRoll < 95 ? 'OUT_OF_STOCK' : 'DRAFT';
  const at = new Date(_id.getTimestamp().getTime());
  const event = {
    eventId: uuidOf(tenantId, 'event', i),
    eventType: 'ProductCreatedEvent',
    aggregateId: id,
    version: 1,
    data: {
      name,
      description: `${name} by ${brand}: ${r.pick(COLORS).toLowerCase()}, built to last. Seeded product ${i}.`,
      slug: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${brand.toLowerCase()}`,
      priceMinor,
      compareAtPriceMinor: hasCompare ? priceMinor + 100 + r.int(5_000) : null,
      currency: 'USD',
      stockQuantity: status === 'OUT_OF_STOCK' ? 0 : r.int(500),
      sku: `SKU-${tenantId.slice(0, 4)}-${i}`,
      category,
      images: [{ url: `https://cdn.example.com/p/${id}/1.jpg`, alt: name, isPrimary: true }],
      specifications: { brand, color: r.pick(COLORS), weightGrams: 50 + r.int(5000), wireless: r.int(2) === 1 },
      metaTitle: name,
      metaDescription: null,
      metaKeywords: [brand.toLowerCase(), cat.slug],
      status,
      published: status !== 'DRAFT',
    },
    userId: null,
    timestamp: at,
    correlationId: 'seed-scale',
    causationId: 'seed-scale',
    tenantId,
  } as unknown as ProductEvent;
  const state = applyEvent(null, event);
  const reviewCount = r.int(6) === 0 ? 0 : r.int(400);
  return {
    doc: { _id, ...projectionOf(state), averageRating: reviewCount === 0 ? 0 : (25 + r.int(26)) / 10, reviewCount },
    event,
  };
}

/** One password hash for every seeded user (hashing a million passwords would take hours). */
export const SEED_PASSWORD = 'Seeded-User-Pass-42';

export function user(tenantId: string, i: number, passwordHash: string, roleId: string) {
  const r = rng(tenantId, 'user', i);
  const id = uuidOf(tenantId, 'user', i);
  const firstName = r.pick(FIRST);
  const lastName = r.pick(LAST);
  const email = `user${i}@${tenantId.slice(0, 8)}.seed.example`;
  const createdAt = new Date(EPOCH - (YEAR_S - ((i * 613) % YEAR_S)) * 1000);
  return {
    user: {
      id,
      email,
      username: `seed_${tenantId.slice(0, 8)}_${i}`,
      password_hash: passwordHash,
      first_name: firstName,
      last_name: lastName,
      status: 'ACTIVE',
      email_verified: true,
      tenant_id: tenantId,
      created_at: createdAt,
      updated_at: createdAt,
    },
    profile: {
      id: uuidOf(tenantId, 'profile', i),
      user_id: id,
      email,
      first_name: firstName,
      last_name: lastName,
      tenant_id: tenantId,
      created_at: createdAt,
      updated_at: createdAt,
    },
    role: { user_id: id, role_id: roleId, tenant_id: tenantId, assigned_at: createdAt },
  };
}

const money = (minor: number) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
const ORDER_STATUSES = [
  'PENDING',
  'CONFIRMED',
  'PROCESSING',
  'SHIPPED',
  'DELIVERED',
  'DELIVERED',
  'DELIVERED',
  'CANCELLED',
] as const;

/** Order i of a random seeded user, 1-4 items of seeded products; totals in integer minor units. */
export function order(tenantId: string, i: number, users: number, products: number, leaves: CategoryDocument[]) {
  const r = rng(tenantId, 'order', i);
  const id = uuidOf(tenantId, 'order', i);
  const userIndex = r.int(Math.max(1, users));
  const status = r.pick(ORDER_STATUSES);
  const createdAt = new Date(EPOCH - (YEAR_S - ((i * 389) % YEAR_S)) * 1000);
  const items = Array.from({ length: 1 + r.int(4) }, (_, j) => {
    const p = product(tenantId, r.int(Math.max(1, products)), leaves);
    const quantity = 1 + r.int(3);
    const unitMinor = p.doc.priceMinor as number;
    return {
      id: uuidOf(tenantId, 'order-item', i, j),
      order_id: id,
      product_id: `00000000-${(p.doc._id as ObjectId).toHexString().replace(/^(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4')}`,
      product_name: p.doc.name as string,
      product_sku: p.doc.sku as string,
      quantity,
      unit_price: money(unitMinor),
      total_price: money(unitMinor * quantity),
      created_at: createdAt,
      tenant_id: tenantId,
      minor: unitMinor * quantity,
    };
  });
  const subtotal = items.reduce((s, it) => s + it.minor, 0);
  const tax = Math.round(subtotal * 0.08);
  const shipping = subtotal >= 5000 ? 0 : 599;
  const [city, state, country] = r.pick(CITIES);
  return {
    order: {
      id,
      order_number: `ORD-${tenantId.slice(0, 8).toUpperCase()}-${String(i).padStart(8, '0')}`,
      user_id: uuidOf(tenantId, 'user', userIndex),
      status,
      payment_status: status === 'PENDING' ? 'PENDING' : status === 'CANCELLED' ? 'REFUNDED' : 'COMPLETED',
      payment_method: 'CARD',
      subtotal: money(subtotal),
      tax: money(tax),
      shipping: money(shipping),
      discount: '0.00',
      total: money(subtotal + tax + shipping),
      currency: 'USD',
      shipping_street: `${1 + r.int(9999)} Main St`,
      shipping_city: city,
      shipping_state: state,
      shipping_zip_code: String(10000 + r.int(89999)),
      shipping_country: country,
      created_at: createdAt,
      updated_at: createdAt,
      completed_at: status === 'DELIVERED' ? createdAt : null,
      cancelled_at: status === 'CANCELLED' ? createdAt : null,
      tenant_id: tenantId,
    },
    items: items.map(({ minor: _minor, ...row }) => row),
  };
}
