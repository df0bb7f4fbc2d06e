/** The committed typed client (clients/ts) matches the OpenAPI document the routes produce today. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import { CLIENT_DIR, generatedClientFiles } from '../../scripts/lib/client-codegen.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('typed TypeScript client', () => {
  it('is up to date with the routes (else run `npm run client:generate` and commit)', async () => {
    for (const [name, text] of Object.entries(await generatedClientFiles())) {
      const committed = readFileSync(join(ROOT, CLIENT_DIR, name), 'utf8');
      expect(committed === text, `${CLIENT_DIR}/${name} is stale: run \`npm run client:generate\``).toBe(true);
    }
  });
});
