/**
 * Rewrites the README table "what an API key needs" from the OpenAPI document of the
 * app (`npm run docs:scopes`); `--check` only reports whether it is up to date (exit 1).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { openApiDocument, renderScopeTable, withScopeTable } from './lib/scope-table.ts';

const readmePath = resolve(import.meta.dirname, '../README.md');
const doc = await openApiDocument();
const current = readFileSync(readmePath, 'utf8');
const next = withScopeTable(current, renderScopeTable(doc));

if (process.argv.includes('--check')) {
  if (next !== current) {
    console.error('README.md: the table "What an API key needs" is out of date; run npm run docs:scopes');
    process.exit(1);
  }
  console.log('README.md scope table is up to date');
} else if (next !== current) {
  writeFileSync(readmePath, next);
  console.log('README.md: scope table rewritten');
} else {
  console.log('README.md: scope table already up to date');
}
