import { z } from '@hono/zod-openapi';

import { ObjectIdString } from '../../lib/ids.ts';
import { ID_OR_SLUG_PATTERN } from '../../services/catalog/index.ts';
import { SlugString } from '../products/products.schemas.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

const fields = {
  name: text(100),
  slug: SlugString.optional().openapi({ description: 'Default: from the name (-2, -3... if taken)' }),
  description: optionalText(2000),
  parentId: ObjectIdString.nullable().optional().openapi({ description: 'Parent category; null or absent: a root' }),
  imageUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(1000)
    .nullable()
    .optional(),
  displayOrder: z.number().int().min(-1_000_000).max(1_000_000).optional(),
  metaTitle: optionalText(70),
  metaDescription: optionalText(160),
  active: z.boolean().optional(),
};

export const CategoryCreateBody = z.object(fields).strict().openapi('CategoryCreate');

export const CategoryPatchBody = z
  .object({ ...fields, name: text(100).optional() })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'send at least one field to change')
  .openapi('CategoryPatch', { description: 'A new parentId or slug moves the category and its subtree' });

export const CategorySlugParam = z.object({
  slug: z
    .string()
    .max(120)
    .regex(ID_OR_SLUG_PATTERN, 'must be a category slug (or id)')
    .openapi({ param: { name: 'slug', in: 'path' }, example: 'audio' }),
});

export const TreeQuery = z
  .object({
    includeInactive: z
      .enum(['true', 'false'])
      .optional()
      .openapi({ description: 'Staff only (write:products): also inactive categories' }),
  })
  .strict();

const categoryFields = {
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  description: z.string().nullable(),
  parentId: z.string().nullable(),
  level: z.number().int(),
  path: z.string(),
  imageUrl: z.string().nullable(),
  displayOrder: z.number().int(),
  metaTitle: z.string().nullable(),
  metaDescription: z.string().nullable(),
  active: z.boolean(),
  productCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
};

export const CategorySchema = z.object(categoryFields).openapi('Category');

export interface CategoryNodeShape extends z.infer<typeof CategorySchema> {
  children: CategoryNodeShape[];
}
const CategoryNodeSchema: z.ZodType<CategoryNodeShape> = z
  .object({ ...categoryFields, children: z.array(z.lazy(() => CategoryNodeSchema)) })
  .openapi('CategoryNode');

export const CategoryTree = z.object({ data: z.array(CategoryNodeSchema) }).openapi('CategoryTree');

export const CategoryDetailSchema = z
  .object({
    ...categoryFields,
    ancestors: z.array(z.object({ id: z.string(), name: z.string(), slug: z.string() })),
    children: z.array(CategorySchema),
  })
  .openapi('CategoryDetail');

export const RecountResult = z
  .object({ productCounts: z.record(z.string(), z.number().int()) })
  .openapi('CategoryRecount');
