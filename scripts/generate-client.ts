/**
 * `npm run client:generate`: writes clients/ts/schema.d.ts
 * from the routes' schemas. test/node/client-generated.test.ts fails while they are stale.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { CLIENT_DIR, generatedClientFiles } from './lib/client-codegen.ts';

const dir = join(resolve(import.meta.dirname, '..'), CLIENT_DIR);
for (const [name, text] of Object.entries(await generatedClientFiles())) {
  writeFileSync(join(dir, name), text);
  console.log(`client:generate: wrote ${join(CLIENT_DIR, name)} (${text.length} bytes)`);
}
