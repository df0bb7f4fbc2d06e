import { createRoute, z } from '@hono/zod-openapi';
import { requireAuth } from '../../middleware/auth.ts';
import { bearerSecurity, jsonBody, jsonResponse, problemResponses, UuidParam } from '../schemas.ts';
import {
  AddressCreateBody,
  AddressPatchBody,
  AddressSchema,
  PreferencesBody,
  PreferencesSchema,
  ProfilePatchBody,
  ProfileSchema,
} from './users.schemas.ts';

/** Every route is the caller's own data: 401 before anything else, validation included. */
const common = { tags: ['Users'], security: bearerSecurity, middleware: [requireAuth] };

// ---------------------------------------------------------------------------
// Profile
// ---------------------------------------------------------------------------

export const getProfile = createRoute({
  method: 'get', path: '/users/me/profile', ...common, summary: "The caller's profile",
  responses: { 200: jsonResponse(ProfileSchema, 'The profile'), ...problemResponses(401, 404) },
});

export const patchProfile = createRoute({
  method: 'patch', path: '/users/me/profile', ...common,
  summary: "Change the caller's profile (names are copied to the auth user)",
  request: { body: jsonBody(ProfilePatchBody) },
  responses: { 200: jsonResponse(ProfileSchema, 'The updated profile'), ...problemResponses(400, 401, 404, 415) },
});

// ---------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------

export const listAddresses = createRoute({
  method: 'get', path: '/users/me/addresses', ...common, summary: "The caller's addresses, defaults first",
  responses: { 200: jsonResponse(z.object({ data: z.array(AddressSchema) }), 'Addresses'), ...problemResponses(401) },
});

export const createAddress = createRoute({
  method: 'post', path: '/users/me/addresses', ...common,
  summary: 'Add an address (the first of its type becomes the default)',
  request: { body: jsonBody(AddressCreateBody) },
  responses: {
    201: { ...jsonResponse(AddressSchema, 'Created; Location names it'), headers: z.object({ location: z.string() }) },
    ...problemResponses(400, 401, 409, 415),
  },
});

export const getAddress = createRoute({
  method: 'get', path: '/users/me/addresses/{id}', ...common, summary: 'One of the caller\'s addresses',
  request: { params: UuidParam },
  responses: { 200: jsonResponse(AddressSchema, 'The address'), ...problemResponses(400, 401, 404) },
});

export const patchAddress = createRoute({
  method: 'patch', path: '/users/me/addresses/{id}', ...common, summary: 'Change an address',
  request: { params: UuidParam, body: jsonBody(AddressPatchBody) },
  responses: { 200: jsonResponse(AddressSchema, 'The updated address'), ...problemResponses(400, 401, 404, 415) },
});

export const deleteAddress = createRoute({
  method: 'delete', path: '/users/me/addresses/{id}', ...common,
  summary: 'Delete an address (a deleted default is replaced by the newest address of its type)',
  request: { params: UuidParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 404) },
});

export const setDefaultAddress = createRoute({
  method: 'post', path: '/users/me/addresses/{id}/default', ...common,
  summary: 'Make an address the default of its type (the previous default is cleared)',
  request: { params: UuidParam },
  responses: { 200: jsonResponse(AddressSchema, 'The new default address'), ...problemResponses(400, 401, 404) },
});

// ---------------------------------------------------------------------------
// Preferences
// ---------------------------------------------------------------------------

export const getPreferences = createRoute({
  method: 'get', path: '/users/me/preferences', ...common, summary: "The caller's preferences",
  responses: { 200: jsonResponse(PreferencesSchema, 'Preferences'), ...problemResponses(401, 404) },
});

export const putPreferences = createRoute({
  method: 'put', path: '/users/me/preferences', ...common, summary: 'Replace every preference',
  request: { body: jsonBody(PreferencesBody) },
  responses: { 200: jsonResponse(PreferencesSchema, 'The new preferences'), ...problemResponses(400, 401, 404, 415) },
});
