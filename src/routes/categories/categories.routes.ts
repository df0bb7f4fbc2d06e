import { createRoute, z } from '@hono/zod-openapi';

import { access } from '../../middleware/access.ts';
import { categoryPurge } from '../../middleware/catalog-purges.ts';
import { cacheRules, edgeCache, purgesCache } from '../../middleware/edge-cache.ts';
import { TenantHeader } from '../../middleware/tenant.ts';
import { ObjectIdParam } from '../products/products.schemas.ts';
import { jsonBody, jsonResponse, problemResponses } from '../schemas.ts';
import {
  CategoryCreateBody,
  CategoryDetailSchema,
  CategoryPatchBody,
  CategorySchema,
  CategorySlugParam,
  CategoryTree,
  RecountResult,
  TreeQuery,
} from './categories.schemas.ts';

const tags = ['Catalog: categories'];

export const tree = createRoute({
  method: 'get',
  path: '/categories',
  tags,
  ...access.public({ tenant: true, also: [edgeCache(cacheRules.categories)] }),
  summary: 'The category tree (children ordered by displayOrder)',
  request: { headers: TenantHeader, query: TreeQuery },
  responses: { 200: jsonResponse(CategoryTree, 'The tree'), ...problemResponses(400, 401, 403) },
});

export const getCategory = createRoute({
  method: 'get',
  path: '/categories/{slug}',
  tags,
  ...access.public({ tenant: true, also: [edgeCache(cacheRules.categories)] }),
  summary: 'One category by slug, with its ancestors and children',
  request: { headers: TenantHeader, params: CategorySlugParam },
  responses: { 200: jsonResponse(CategoryDetailSchema, 'The category'), ...problemResponses(400, 401, 404) },
});

export const createCategory = createRoute({
  method: 'post',
  path: '/categories',
  tags,
  ...access.permission('write:products', { also: [purgesCache(categoryPurge)] }),
  summary: 'Create a category',
  request: { body: jsonBody(CategoryCreateBody) },
  responses: {
    201: { ...jsonResponse(CategorySchema, 'Created; Location names it'), headers: z.object({ location: z.string() }) },
    ...problemResponses(400, 401, 403, 409, 415),
  },
});

export const patchCategory = createRoute({
  method: 'patch',
  path: '/categories/{id}',
  tags,
  ...access.permission('write:products', { also: [purgesCache(categoryPurge)] }),
  summary: 'Change a category; a new parentId or slug moves its subtree (409 under its own descendant)',
  request: { params: ObjectIdParam, body: jsonBody(CategoryPatchBody) },
  responses: { 200: jsonResponse(CategorySchema, 'The category'), ...problemResponses(400, 401, 403, 404, 409, 415) },
});

export const deleteCategory = createRoute({
  method: 'delete',
  path: '/categories/{id}',
  tags,
  ...access.permission('delete:products', { also: [purgesCache(categoryPurge)] }),
  summary: 'Delete a category without subcategories or products (409 otherwise)',
  request: { params: ObjectIdParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404, 409) },
});

export const recount = createRoute({
  method: 'post',
  path: '/categories/recount',
  tags,
  ...access.userToken({ roles: ['ADMIN'], also: [purgesCache(categoryPurge)] }),
  summary: 'Recompute every productCount of the tenant from the products (ADMIN)',
  responses: { 200: jsonResponse(RecountResult, 'The counts written'), ...problemResponses(401, 403) },
});
