import { z } from '@hono/zod-openapi';

import { ifMatchHeaders } from '../../lib/etag.ts';
import { ObjectIdString } from '../../lib/ids.ts';
import { pageOf, pageQuery } from '../../lib/pagination.ts';
import {
  ID_OR_SLUG_PATTERN,
  PRODUCT_EVENT_TYPES,
  PRODUCT_SORTS,
  PRODUCT_STATUSES,
  SLUG_PATTERN,
} from '../../services/catalog/index.ts';
import { MoneyInput } from '../schemas.ts';

// ---------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------

const MoneyOutput = z.string().openapi({ example: '19.99', description: 'Decimal string with exactly two decimals' });

export const SlugString = z
  .string()
  .min(1)
  .max(120)
  .regex(SLUG_PATTERN, 'must be lower-case letters, digits and single dashes');

export const ObjectIdParam = z.object({ id: ObjectIdString.openapi({ param: { name: 'id', in: 'path' } }) });
export const IdOrSlugParam = z.object({
  idOrSlug: z
    .string()
    .max(120)
    .regex(ID_OR_SLUG_PATTERN, 'must be a product id or slug')
    .openapi({ param: { name: 'idOrSlug', in: 'path' }, example: 'wireless-headphones-audiotech' }),
});

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

const ProductStatus = z.enum(PRODUCT_STATUSES);

const ImageSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(1000),
    alt: z.string().trim().max(200).nullable().default(null),
    isPrimary: z.boolean().default(false),
  })
  .strict();

/** Exactly one primary image is checked by the service (400 naming body.images). */
const ImagesInput = z.array(ImageSchema).max(20);

const SpecValue = z.union([z.string().max(500), z.number().finite(), z.boolean()], {
  error: 'must be a string, number or boolean',
});
/** Flat key -> scalar map; keys cannot hold `.` or start with `$` (MongoDB field names). */
const SpecificationsInput = z
  .record(
    z
      .string()
      .min(1)
      .max(64)
      .regex(/^[^.$][^.]*$/, 'keys cannot contain "." or start with "$"'),
    SpecValue,
  )
  .refine((v) => Object.keys(v).length <= 50, 'at most 50 specifications')
  .openapi({ example: { brand: 'AudioTech', color: 'Black', bluetooth: '5.0', noiseCancellation: true } });

const Seo = {
  metaTitle: optionalText(70),
  metaDescription: optionalText(160),
  metaKeywords: z.array(text(50)).max(20).optional(),
};

const Sku = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only');

// ---------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------

export const ProductCreateBody = z
  .object({
    name: text(200),
    description: optionalText(5000),
    slug: SlugString.optional().openapi({
      description: 'Default: from name and specifications.brand, with -2, -3... if taken',
    }),
    price: MoneyInput,
    compareAtPrice: MoneyInput.nullable().optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like USD')
      .default('USD'),
    stockQuantity: z.number().int().min(0).max(1_000_000_000).default(0),
    sku: Sku.nullable().optional(),
    categoryId: ObjectIdString.nullable().optional(),
    images: ImagesInput.optional(),
    specifications: SpecificationsInput.optional(),
    ...Seo,
    status: ProductStatus.default('DRAFT'),
    published: z.boolean().default(false),
  })
  .strict()
  .transform(({ price, compareAtPrice, ...rest }) => ({
    ...rest,
    priceMinor: price,
    compareAtPriceMinor: compareAtPrice,
  }))
  .openapi('ProductCreate');

export const ProductPatchBody = z
  .object({
    name: text(200).optional(),
    description: optionalText(5000),
    sku: Sku.nullable().optional(),
    categoryId: ObjectIdString.nullable().optional(),
    images: ImagesInput.optional(),
    specifications: SpecificationsInput.optional().openapi({ description: 'Replaces all specifications' }),
    ...Seo,
    status: ProductStatus.optional(),
    published: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'send at least one field to change')
  .openapi('ProductPatch', { description: 'Price, stock and slug have their own commands (or cannot change).' });

export const PriceBody = z
  .object({
    price: MoneyInput,
    compareAtPrice: MoneyInput.nullable()
      .optional()
      .openapi({ description: 'Absent or null: none. Must be >= price.' }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like USD')
      .optional(),
  })
  .strict()
  .transform(({ price, compareAtPrice, currency }) => ({
    priceMinor: price,
    compareAtPriceMinor: compareAtPrice,
    currency,
  }))
  .openapi('ProductPrice');

export const StockBody = z
  .union([
    z.object({ stockQuantity: z.number().int().min(0).max(1_000_000_000) }).strict(),
    z
      .object({
        delta: z
          .number()
          .int()
          .min(-1_000_000_000)
          .max(1_000_000_000)
          .refine((d) => d !== 0, 'must not be 0'),
      })
      .strict(),
  ])
  .openapi('ProductStock', { description: 'Either an absolute stockQuantity or a relative delta' });

// ---------------------------------------------------------------------------
// Query strings
// ---------------------------------------------------------------------------

export const ProductListQuery = z
  .object({
    category: z
      .string()
      .max(120)
      .regex(ID_OR_SLUG_PATTERN, 'must be a category id or slug')
      .optional()
      .openapi({ description: 'Category id or slug; its subcategories are included' }),
    minPrice: MoneyInput.optional(),
    maxPrice: MoneyInput.optional(),
    brand: z.string().trim().min(1).max(100).optional().openapi({ description: 'Exact specifications.brand' }),
    q: z.string().trim().min(1).max(100).optional().openapi({
      description:
        'Text search of name and description where the store has a text index; else a case-insensitive substring of the name',
    }),
    status: ProductStatus.optional().openapi({
      description: 'Staff only (write:products); default: ACTIVE and published',
    }),
    sort: z.enum(PRODUCT_SORTS).optional().openapi({
      description: 'Default: relevance with q (text score where the store has a text index, else newest), else newest',
    }),
    ...pageQuery(),
  })
  .strict()
  .superRefine((q, ctx) => {
    // zod runs object refinements even when a field failed its own checks: compare only amounts that parsed (minor units).
    const min: unknown = q.minPrice;
    const max: unknown = q.maxPrice;
    if (typeof min === 'number' && typeof max === 'number' && min > max) {
      ctx.addIssue({ code: 'custom', path: ['maxPrice'], message: 'must be greater than or equal to minPrice' });
    }
  });

export const PageQuery = z.object(pageQuery()).strict();

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

const CategoryRefSchema = z
  .object({ id: z.string(), name: z.string(), slug: z.string(), path: z.string() })
  .openapi('ProductCategory');

export const ProductSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    slug: z.string(),
    price: MoneyOutput,
    compareAtPrice: MoneyOutput.nullable(),
    currency: z.string(),
    stockQuantity: z.number().int(),
    sku: z.string().nullable(),
    category: CategoryRefSchema.nullable(),
    images: z.array(z.object({ url: z.string(), alt: z.string().nullable(), isPrimary: z.boolean() })),
    specifications: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    metaTitle: z.string().nullable(),
    metaDescription: z.string().nullable(),
    metaKeywords: z.array(z.string()),
    status: ProductStatus,
    published: z.boolean(),
    averageRating: z.number(),
    reviewCount: z.number().int(),
    version: z.number().int().openapi({ description: 'Also the ETag ("<version>")' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    deletedAt: z.string().nullable(),
  })
  .openapi('Product');

export const ProductPage = pageOf(ProductSchema, 'ProductPage');

const ProductEventSchema = z
  .object({
    eventId: z.string(),
    eventType: z.enum(PRODUCT_EVENT_TYPES),
    aggregateId: z.string(),
    version: z.number().int(),
    data: z.record(z.string(), z.unknown()),
    userId: z.string().nullable(),
    timestamp: z.string(),
    correlationId: z.string().nullable(),
    causationId: z.string().nullable(),
  })
  .openapi('ProductEvent');

export const ProductEventPage = pageOf(ProductEventSchema, 'ProductEventPage');

export const RebuildResult = z
  .object({
    product: ProductSchema,
    eventsReplayed: z.number().int(),
    productCounts: z.record(z.string(), z.number().int()),
  })
  .openapi('ProductRebuild');

// ---------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------

export const IfMatchRequired = ifMatchHeaders('product', { required: true });
export const IfMatchOptional = ifMatchHeaders('product', { required: false });

export const CreateHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional()
    .openapi({
      param: { name: 'idempotency-key', in: 'header' },
      description: 'A retried create with the same key returns the first product',
    }),
});
