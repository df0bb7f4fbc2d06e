import { env } from 'cloudflare:workers';

import { createStores, type Stores } from '../../src/db/stores.ts';

/** Store connections for a test, opened with the Worker's own bindings. */
export function testStores(): Stores {
  return createStores(env);
}

export function uniqueTenantName(prefix = 'tenant'): string {
  return `${prefix}-${crypto.randomUUID()}`;
}
