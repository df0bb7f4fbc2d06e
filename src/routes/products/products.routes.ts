import { createRoute, z } from '@hono/zod-openapi';

import { access } from '../../middleware/access.ts';
import { productPurge } from '../../middleware/catalog-purges.ts';
import { cacheRules, edgeCache, purgesCache } from '../../middleware/edge-cache.ts';
import { TenantHeader } from '../../middleware/tenant.ts';
import { jsonBody, jsonResponse, problemResponses } from '../schemas.ts';
import {
  CreateHeaders,
  IdOrSlugParam,
  IfMatchOptional,
  IfMatchRequired,
  ObjectIdParam,
  PageQuery,
  PriceBody,
  ProductCreateBody,
  ProductEventPage,
  ProductListQuery,
  ProductPage,
  ProductPatchBody,
  ProductSchema,
  RebuildResult,
  StockBody,
} from './products.schemas.ts';

const tags = ['Catalog: products'];
const write = access.permission('write:products', { also: [purgesCache(productPurge)] });
const etagHeader = z.object({ etag: z.string().openapi({ example: '"3"' }) });
const withEtag = (description: string) => ({ ...jsonResponse(ProductSchema, description), headers: etagHeader });

export const listProducts = createRoute({
  method: 'get',
  path: '/products',
  tags,
  ...access.public({ tenant: true, also: [edgeCache(cacheRules.productList)] }),
  summary: 'Browse products: published ACTIVE ones (staff may filter by status), filters, sort, cursor pages',
  request: { headers: TenantHeader, query: ProductListQuery },
  responses: { 200: jsonResponse(ProductPage, 'A page of products'), ...problemResponses(400, 401, 403) },
});

export const getProduct = createRoute({
  method: 'get',
  path: '/products/{idOrSlug}',
  tags,
  ...access.public({ tenant: true, also: [edgeCache(cacheRules.product)] }),
  summary: 'One product by id or slug',
  request: { headers: TenantHeader, params: IdOrSlugParam },
  responses: {
    200: withEtag('The product'),
    304: { description: 'Not modified (If-None-Match)' },
    ...problemResponses(400, 401, 404),
  },
});

export const createProduct = createRoute({
  method: 'post',
  path: '/products',
  tags,
  ...write,
  summary: 'Create a product (ProductCreatedEvent)',
  request: { headers: CreateHeaders, body: jsonBody(ProductCreateBody) },
  responses: {
    201: {
      ...jsonResponse(ProductSchema, 'Created; Location names it'),
      headers: z.object({ location: z.string(), etag: z.string() }),
    },
    ...problemResponses(400, 401, 403, 409, 415),
  },
});

export const patchProduct = createRoute({
  method: 'patch',
  path: '/products/{id}',
  tags,
  ...write,
  summary: 'Change product details (ProductUpdatedEvent); If-Match required',
  request: { headers: IfMatchRequired, params: ObjectIdParam, body: jsonBody(ProductPatchBody) },
  responses: {
    200: withEtag('The product'),
    ...problemResponses(400, 401, 403, 404, 409, 412, 415, 428),
  },
});

export const putPrice = createRoute({
  method: 'put',
  path: '/products/{id}/price',
  tags,
  ...write,
  summary: 'Set the price and compare-at price (PriceChangedEvent); If-Match optional',
  request: { headers: IfMatchOptional, params: ObjectIdParam, body: jsonBody(PriceBody) },
  responses: { 200: withEtag('The product'), ...problemResponses(400, 401, 403, 404, 409, 412, 415) },
});

export const putStock = createRoute({
  method: 'put',
  path: '/products/{id}/stock',
  tags,
  ...write,
  summary: 'Set the stock or change it by a delta (StockChangedEvent); never below 0; If-Match optional',
  request: { headers: IfMatchOptional, params: ObjectIdParam, body: jsonBody(StockBody) },
  responses: { 200: withEtag('The product'), ...problemResponses(400, 401, 403, 404, 409, 412, 415) },
});

export const deleteProduct = createRoute({
  method: 'delete',
  path: '/products/{id}',
  tags,
  ...access.permission('delete:products', { also: [purgesCache(productPurge)] }),
  summary: 'Soft-delete a product (ProductDeletedEvent); If-Match optional',
  request: { headers: IfMatchOptional, params: ObjectIdParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404, 409, 412) },
});

export const productEvents = createRoute({
  method: 'get',
  path: '/products/{id}/events',
  tags,
  ...write,
  summary: 'The event history of a product, by version (staff)',
  request: { params: ObjectIdParam, query: PageQuery },
  responses: { 200: jsonResponse(ProductEventPage, 'A page of events'), ...problemResponses(400, 401, 403, 404) },
});

export const rebuildProduct = createRoute({
  method: 'post',
  path: '/products/{id}/rebuild',
  tags,
  ...access.userToken({ roles: ['ADMIN'], also: [purgesCache(productPurge)] }),
  summary: 'Rebuild the product document from its events and recount its categories (ADMIN)',
  request: { params: ObjectIdParam },
  responses: { 200: jsonResponse(RebuildResult, 'The rebuilt product'), ...problemResponses(400, 401, 403, 404) },
});
