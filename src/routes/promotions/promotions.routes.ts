import { createRoute, z } from '@hono/zod-openapi';

import { access } from '../../middleware/access.ts';
import { jsonBody, jsonResponse, problemResponses, UuidParam } from '../schemas.ts';
import {
  IfMatchRequired,
  PromotionCreateBody,
  PromotionListQuery,
  PromotionPage,
  PromotionPatchBody,
  PromotionSchema,
  RedemptionPage,
} from './promotions.schemas.ts';

const tags = ['Promotions'];
const staff = { tags, ...access.userToken({ roles: ['ADMIN', 'MANAGER'] }) };
const etag = z.object({ etag: z.string().openapi({ example: '"1"' }) });

export const createPromotion = createRoute({
  method: 'post',
  path: '/promotions',
  ...staff,
  summary: 'Staff: create a promotion code (unique per tenant, case-insensitive)',
  request: { body: jsonBody(PromotionCreateBody) },
  responses: {
    201: {
      ...jsonResponse(PromotionSchema, 'Created; Location names it'),
      headers: z.object({ location: z.string(), etag: z.string() }),
    },
    ...problemResponses(400, 401, 403, 409, 415, 422),
  },
});

export const listPromotions = createRoute({
  method: 'get',
  path: '/promotions',
  ...staff,
  summary: "Staff: the tenant's promotions, newest first",
  request: { query: PromotionListQuery },
  responses: { 200: jsonResponse(PromotionPage, 'A page of promotions'), ...problemResponses(400, 401, 403) },
});

export const getPromotion = createRoute({
  method: 'get',
  path: '/promotions/{id}',
  ...staff,
  summary: 'Staff: one promotion (ETag = version)',
  request: { params: UuidParam },
  responses: {
    200: { ...jsonResponse(PromotionSchema, 'The promotion'), headers: etag },
    ...problemResponses(400, 401, 403, 404),
  },
});

export const patchPromotion = createRoute({
  method: 'patch',
  path: '/promotions/{id}',
  ...staff,
  summary: 'Staff: change a promotion (If-Match required)',
  request: { params: UuidParam, headers: IfMatchRequired, body: jsonBody(PromotionPatchBody) },
  responses: {
    200: { ...jsonResponse(PromotionSchema, 'The promotion'), headers: etag },
    ...problemResponses(400, 401, 403, 404, 409, 412, 415, 422, 428),
  },
});

export const deletePromotion = createRoute({
  method: 'delete',
  path: '/promotions/{id}',
  ...staff,
  summary: 'Staff: delete a promotion no order used (409 otherwise: deactivate it); If-Match required',
  request: { params: UuidParam, headers: IfMatchRequired },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404, 409, 412, 428) },
});

export const listRedemptions = createRoute({
  method: 'get',
  path: '/promotions/{id}/redemptions',
  ...staff,
  summary: "Staff: the code's redemptions, newest first (released ones marked)",
  request: { params: UuidParam, query: PromotionListQuery },
  responses: { 200: jsonResponse(RedemptionPage, 'A page of redemptions'), ...problemResponses(400, 401, 403, 404) },
});
