/** Identity fixtures moved to test/fixtures/factories.ts; this file keeps the raw `as` helper until its users move. */
import { call } from '../fixtures/api.ts';
import type { TestUser } from '../fixtures/factories.ts';

export {
  createTenant,
  grantRole,
  login,
  PASSWORD,
  platformAdmin,
  registerUser,
  tenantAdmin,
  type TestUser,
} from '../fixtures/factories.ts';

export function bearer(user: Pick<TestUser, 'accessToken'>): Record<string, string> {
  return { authorization: `Bearer ${user.accessToken}` };
}

/** Authenticated JSON request as `user`. */
export function as(
  user: Pick<TestUser, 'accessToken'>,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return call(path, {
    method,
    headers: { ...bearer(user), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
