import { createRouter } from '../../lib/create-router.ts';
import { principalOf } from '../../middleware/auth.ts';
import * as users from '../../services/users/index.ts';
import * as routes from './users.routes.ts';

/** The caller's own profile, addresses and preferences; always the principal's, never by user id. */
export const usersRoutes = createRouter()
  .openapi(routes.getProfile, async (c) => {
    return c.json(await users.getMyProfile(c.get('stores'), principalOf(c)), 200);
  })
  .openapi(routes.patchProfile, async (c) => {
    const owner = principalOf(c);
    // `email` is in the schema only to be refused by name; it never gets here.
    const { email: _readOnly, ...patch } = c.req.valid('json');
    return c.json(await users.updateMyProfile(c.get('stores'), owner, patch), 200);
  })
  .openapi(routes.listAddresses, async (c) => {
    const data = await users.listAddresses(c.get('stores'), principalOf(c));
    return c.json({ data }, 200);
  })
  .openapi(routes.createAddress, async (c) => {
    const owner = principalOf(c);
    const created = await users.createAddress(c.get('stores'), owner, c.req.valid('json'));
    c.header('location', `${new URL(c.req.url).pathname.replace(/\/+$/, '')}/${created.id}`);
    return c.json(created, 201);
  })
  .openapi(routes.getAddress, async (c) => {
    const owner = principalOf(c);
    return c.json(await users.getAddress(c.get('stores'), owner, c.req.valid('param').id), 200);
  })
  .openapi(routes.patchAddress, async (c) => {
    const owner = principalOf(c);
    const updated = await users.updateAddress(c.get('stores'), owner, c.req.valid('param').id, c.req.valid('json'));
    return c.json(updated, 200);
  })
  .openapi(routes.deleteAddress, async (c) => {
    const owner = principalOf(c);
    await users.deleteAddress(c.get('stores'), owner, c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(routes.setDefaultAddress, async (c) => {
    const owner = principalOf(c);
    return c.json(await users.setDefaultAddress(c.get('stores'), owner, c.req.valid('param').id), 200);
  })
  .openapi(routes.getPreferences, async (c) => {
    return c.json(await users.getPreferences(c.get('stores'), principalOf(c)), 200);
  })
  .openapi(routes.putPreferences, async (c) => {
    const owner = principalOf(c);
    return c.json(await users.replacePreferences(c.get('stores'), owner, c.req.valid('json')), 200);
  });
