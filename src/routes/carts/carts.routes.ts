import { createRoute, z } from '@hono/zod-openapi';

import { access } from '../../middleware/access.ts';
import { TenantHeader } from '../../middleware/tenant.ts';
import { CART_TOKEN_HEADER } from '../../services/carts/index.ts';
import { PlacedOrderSchema } from '../orders/orders.schemas.ts';
import { jsonBody, jsonResponse, problemResponses, UuidParam } from '../schemas.ts';
import {
  CartAddressBody,
  CartSchema,
  CartTokenHeader,
  CheckoutBody,
  CheckoutHeaders,
  CreatedCartSchema,
  EditHeaders,
  LineBody,
  PromotionCodeBody,
  RemoveLineQuery,
} from './carts.schemas.ts';

const tags = ['Carts'];
const token = { scheme: 'cartToken', header: CART_TOKEN_HEADER, note: 'the X-Cart-Token of an anonymous cart' };
const read = { tags, ...access.permissionOrSecret('read:orders', token) };
const write = { tags, ...access.permissionOrSecret('write:orders', token) };
const etag = z.object({ etag: z.string().openapi({ example: '"3"' }) });
const cartAnswer = (description: string) => ({ ...jsonResponse(CartSchema, description), headers: etag });
const editProblems = problemResponses(400, 401, 403, 404, 409, 412, 415, 422);
const editHeaders = TenantHeader.extend(EditHeaders.shape);

export const createCart = createRoute({
  method: 'post',
  path: '/carts',
  tags,
  ...access.permissionOrAnonymous('write:orders', 'nothing (an anonymous cart and its token)'),
  summary: 'A cart: anonymous (answers its secret token once) or your open cart',
  description:
    'Anonymous: 201 with the cart and `cartToken`, the bearer secret of every later call on it (`X-Cart-Token`). ' +
    'Signed in: your open cart in this tenant (200) or a new one (201); you have at most one open cart.',
  request: { headers: TenantHeader },
  responses: {
    200: jsonResponse(CreatedCartSchema, 'Your open cart'),
    201: { ...jsonResponse(CreatedCartSchema, 'A new cart'), headers: z.object({ location: z.string() }) },
    ...problemResponses(400, 401, 403),
  },
});

export const getCart = createRoute({
  method: 'get',
  path: '/carts/{id}',
  ...read,
  summary: "A cart with estimated prices (from the catalog's edge cache) and flagged lines",
  request: { params: UuidParam, headers: TenantHeader.extend(CartTokenHeader.shape) },
  responses: { 200: cartAnswer('The cart'), ...problemResponses(400, 401, 403, 404) },
});

export const addLine = createRoute({
  method: 'post',
  path: '/carts/{id}/lines',
  ...write,
  summary: 'Add a product (a product already in the cart adds to its quantity)',
  request: { params: UuidParam, headers: editHeaders, body: jsonBody(LineBody) },
  responses: { 200: cartAnswer('The cart'), ...editProblems },
});

export const setLine = createRoute({
  method: 'patch',
  path: '/carts/{id}/lines',
  ...write,
  summary: "Set a line's quantity",
  request: { params: UuidParam, headers: editHeaders, body: jsonBody(LineBody) },
  responses: { 200: cartAnswer('The cart'), ...editProblems },
});

export const removeLine = createRoute({
  method: 'delete',
  path: '/carts/{id}/lines',
  ...write,
  summary: 'Remove a line (`?productId=`)',
  request: { params: UuidParam, headers: editHeaders, query: RemoveLineQuery },
  responses: { 200: cartAnswer('The cart'), ...editProblems },
});

export const setShippingAddress = createRoute({
  method: 'put',
  path: '/carts/{id}/shipping-address',
  ...write,
  summary: 'Set the shipping address the checkout uses',
  request: { params: UuidParam, headers: editHeaders, body: jsonBody(CartAddressBody) },
  responses: { 200: cartAnswer('The cart'), ...editProblems },
});

export const setPromotionCode = createRoute({
  method: 'put',
  path: '/carts/{id}/promotion-code',
  ...write,
  summary: 'Set (or with null remove) the promotion code; checked now and again at checkout',
  description:
    "Checked against the promotion's rules and the cart's estimates (the one cart edit that reads PostgreSQL: the " +
    'rules live there); a refused code is a 422 `promotion-code-<reason>` naming `body.code`. At most one code per ' +
    'cart. Nothing is used up until checkout, which checks it again in the order transaction.',
  request: { params: UuidParam, headers: editHeaders, body: jsonBody(PromotionCodeBody) },
  responses: { 200: cartAnswer('The cart'), ...editProblems },
});

export const mergeCart = createRoute({
  method: 'post',
  path: '/carts/{id}/merge',
  tags,
  ...access.permission('write:orders'),
  summary: 'Sign-in: merge an anonymous cart (its X-Cart-Token) into your open cart, or adopt it',
  description:
    'Quantities add up (at most the per-product cap); your address and code win. Without an open cart you adopt it ' +
    '(the token stops working). Answers the cart you now hold; a repeated merge answers the same cart.',
  request: { params: UuidParam, headers: CartTokenHeader },
  responses: { 200: cartAnswer('Your cart'), ...problemResponses(400, 401, 403, 404, 409) },
});

export const checkout = createRoute({
  method: 'post',
  path: '/carts/{id}/checkout',
  tags,
  ...access.permission('write:orders'),
  summary: "Check out your cart: POST /orders with the cart's lines, re-priced from the store",
  description:
    'As POST /orders: `Idempotency-Key` required (a retry replays the same order), `Prefer: wait=N`. The cart is ' +
    'frozen meanwhile; it closes when the order is CONFIRMED and reopens if the saga compensates.',
  request: { params: UuidParam, headers: CheckoutHeaders.extend(CartTokenHeader.shape), body: jsonBody(CheckoutBody) },
  responses: {
    202: {
      ...jsonResponse(PlacedOrderSchema, 'Accepted; Location names the order'),
      headers: z.object({ location: z.string(), etag: z.string() }),
    },
    ...problemResponses(400, 401, 403, 404, 409, 415, 422, 503),
  },
});
