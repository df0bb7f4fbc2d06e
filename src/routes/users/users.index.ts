import { createRouter } from '../../lib/create-router.ts';
import { ctxOf } from '../../middleware/tenant.ts';
import * as users from '../../services/users/index.ts';
import * as routes from './users.routes.ts';

/** The caller's own profile, addresses and preferences; always the principal's, never by user id. */
export const usersRoutes = createRouter()
  .openapi(routes.getProfile, async (c) => {
    return c.json(await users.getMyProfile(ctxOf(c)), 200);
  })
  .openapi(routes.patchProfile, async (c) => {
    // `email` is in the schema only to be refused by name; it never gets here.
    const { email: _readOnly, ...patch } = c.req.valid('json');
    return c.json(await users.updateMyProfile(ctxOf(c), patch), 200);
  })
  .openapi(routes.listAddresses, async (c) => {
    return c.json({ data: await users.listAddresses(ctxOf(c)) }, 200);
  })
  .openapi(routes.createAddress, async (c) => {
    const created = await users.createAddress(ctxOf(c), c.req.valid('json'));
    c.header('location', `${new URL(c.req.url).pathname.replace(/\/+$/, '')}/${created.id}`);
    return c.json(created, 201);
  })
  .openapi(routes.getAddress, async (c) => {
    return c.json(await users.getAddress(ctxOf(c), c.req.valid('param')), 200);
  })
  .openapi(routes.patchAddress, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await users.updateAddress(ctxOf(c), { id, patch: c.req.valid('json') }), 200);
  })
  .openapi(routes.deleteAddress, async (c) => {
    await users.deleteAddress(ctxOf(c), c.req.valid('param'));
    return c.body(null, 204);
  })
  .openapi(routes.setDefaultAddress, async (c) => {
    return c.json(await users.setDefaultAddress(ctxOf(c), c.req.valid('param')), 200);
  })
  .openapi(routes.getPreferences, async (c) => {
    return c.json(await users.getPreferences(ctxOf(c)), 200);
  })
  .openapi(routes.putPreferences, async (c) => {
    return c.json(await users.replacePreferences(ctxOf(c), c.req.valid('json')), 200);
  });
