/**
 * Rewrites the table "What an API key needs" of docs/api.md (SCOPE_TABLE_FILE) from the
 * OpenAPI document of the app (`npm run docs:scopes`); `--check` only reports whether it is up
 * to date (exit 1).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { openApiDocument, renderScopeTable, SCOPE_TABLE_FILE, withScopeTable } from './lib/scope-table.ts';

const docPath = resolve(import.meta.dirname, '..', SCOPE_TABLE_FILE);
const doc = await openApiDocument();
const current = readFileSync(docPath, 'utf8');
const next = withScopeTable(current, renderScopeTable(doc));

if (process.argv.includes('--check')) {
  if (next !== current) {
    console.error(`${SCOPE_TABLE_FILE}: the table "What an API key needs" is out of date; run npm run docs:scopes`);
    process.exit(1);
  }
  console.log(`${SCOPE_TABLE_FILE}: scope table is up to date`);
} else if (next !== current) {
  writeFileSync(docPath, next);
  console.log(`${SCOPE_TABLE_FILE}: scope table rewritten`);
} else {
  console.log(`${SCOPE_TABLE_FILE}: scope table already up to date`);
}
