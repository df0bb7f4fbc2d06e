import { createRoute, z } from '@hono/zod-openapi';

import { access } from '../../middleware/access.ts';
import { jsonBody, jsonResponse, problemResponses, UuidParam } from '../schemas.ts';
import {
  AddressCreateBody,
  AddressPatchBody,
  AddressSchema,
  PreferencesBody,
  PreferencesSchema,
  ProfilePatchBody,
  ProfileSchema,
} from './users.schemas.ts';

/**
 * Every route is the caller's own data: 401 before anything else, validation
 * included. Reads need `read:profile`, writes `write:profile` (every role holds
 * both; an API key only when given that scope).
 */
const read = { tags: ['Users'], ...access.permission('read:profile') };
const write = { tags: ['Users'], ...access.permission('write:profile') };

// ---------------------------------------------------------------------------
// Profile
// ---------------------------------------------------------------------------

export const getProfile = createRoute({
  method: 'get',
  path: '/users/me/profile',
  ...read,
  summary: "The caller's profile",
  responses: { 200: jsonResponse(ProfileSchema, 'The profile'), ...problemResponses(401, 403, 404) },
});

export const patchProfile = createRoute({
  method: 'patch',
  path: '/users/me/profile',
  ...write,
  summary: "Change the caller's profile (names are copied to the auth user)",
  request: { body: jsonBody(ProfilePatchBody) },
  responses: { 200: jsonResponse(ProfileSchema, 'The updated profile'), ...problemResponses(400, 401, 403, 404, 415) },
});

// ---------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------

export const listAddresses = createRoute({
  method: 'get',
  path: '/users/me/addresses',
  ...read,
  summary: "The caller's addresses, defaults first",
  responses: {
    200: jsonResponse(z.object({ data: z.array(AddressSchema) }), 'Addresses'),
    ...problemResponses(401, 403),
  },
});

export const createAddress = createRoute({
  method: 'post',
  path: '/users/me/addresses',
  ...write,
  summary: 'Add an address (the first of its type becomes the default)',
  request: { body: jsonBody(AddressCreateBody) },
  responses: {
    201: { ...jsonResponse(AddressSchema, 'Created; Location names it'), headers: z.object({ location: z.string() }) },
    ...problemResponses(400, 401, 403, 409, 415),
  },
});

export const getAddress = createRoute({
  method: 'get',
  path: '/users/me/addresses/{id}',
  ...read,
  summary: "One of the caller's addresses",
  request: { params: UuidParam },
  responses: { 200: jsonResponse(AddressSchema, 'The address'), ...problemResponses(400, 401, 403, 404) },
});

export const patchAddress = createRoute({
  method: 'patch',
  path: '/users/me/addresses/{id}',
  ...write,
  summary: 'Change an address',
  request: { params: UuidParam, body: jsonBody(AddressPatchBody) },
  responses: { 200: jsonResponse(AddressSchema, 'The updated address'), ...problemResponses(400, 401, 403, 404, 415) },
});

export const deleteAddress = createRoute({
  method: 'delete',
  path: '/users/me/addresses/{id}',
  ...write,
  summary: 'Delete an address (a deleted default is replaced by the newest address of its type)',
  request: { params: UuidParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404) },
});

export const setDefaultAddress = createRoute({
  method: 'post',
  path: '/users/me/addresses/{id}/default',
  ...write,
  summary: 'Make an address the default of its type (the previous default is cleared)',
  request: { params: UuidParam },
  responses: { 200: jsonResponse(AddressSchema, 'The new default address'), ...problemResponses(400, 401, 403, 404) },
});

// ---------------------------------------------------------------------------
// Preferences
// ---------------------------------------------------------------------------

export const getPreferences = createRoute({
  method: 'get',
  path: '/users/me/preferences',
  ...read,
  summary: "The caller's preferences",
  responses: { 200: jsonResponse(PreferencesSchema, 'Preferences'), ...problemResponses(401, 403, 404) },
});

export const putPreferences = createRoute({
  method: 'put',
  path: '/users/me/preferences',
  ...write,
  summary: 'Replace every preference',
  request: { body: jsonBody(PreferencesBody) },
  responses: {
    200: jsonResponse(PreferencesSchema, 'The new preferences'),
    ...problemResponses(400, 401, 403, 404, 415),
  },
});
