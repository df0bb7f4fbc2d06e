import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  BEGIN,
  END,
  openApiDocument,
  renderScopeTable,
  SCOPE_TABLE_FILE,
  scopeRows,
  withScopeTable,
} from '../../scripts/lib/scope-table.ts';

const apiGuide = () => readFileSync(resolve(import.meta.dirname, '../..', SCOPE_TABLE_FILE), 'utf8');

describe('docs/api.md: "What an API key needs" is derived from the route definitions', () => {
  it('the table in docs/api.md is the one npm run docs:scopes renders now', async () => {
    expect(SCOPE_TABLE_FILE).toBe('docs/api.md');
    const current = apiGuide();
    expect(current).toContain('### What an API key needs');
    expect(
      withScopeTable(current, renderScopeTable(await openApiDocument())),
      'docs/api.md is out of date: run npm run docs:scopes',
    ).toBe(current);
  });

  it('sits inside the Identity section of the API guide', () => {
    const text = apiGuide();
    const identity = text.indexOf('## Identity');
    const next = text.indexOf('\n## ', identity + 1);
    expect(identity).toBeGreaterThan(0);
    expect(text.indexOf(BEGIN)).toBeGreaterThan(identity);
    expect(text.indexOf(END)).toBeLessThan(next);
  });

  it('renders each kind of declaration, and refuses an operation that declares nothing', () => {
    const doc = {
      paths: {
        '/api/v1/a': { get: { 'x-api-key-scope': 'none' }, post: { 'x-api-key-scope': 'write:things' } },
        '/api/v1/b': {
          delete: { 'x-api-key-scope': 'user-token-only', 'x-roles': ['ADMIN'], 'x-platform-admin': true },
        },
        '/api/v1/c': { get: { 'x-api-key-scope': 'user-token-only', 'x-access-note': 'a user token, or a ticket' } },
      },
    };
    expect(scopeRows(doc)).toEqual([
      { route: 'GET /a', apiKey: 'nothing (public)', userToken: 'nothing (public)' },
      { route: 'POST /a', apiKey: 'scope `write:things`', userToken: 'permission `write:things`' },
      { route: 'DELETE /b', apiKey: '**user token only**', userToken: 'role ADMIN of the platform tenant' },
      { route: 'GET /c', apiKey: '**user token only**', userToken: 'a user token, or a ticket' },
    ]);
    expect(() => scopeRows({ paths: { '/api/v1/d': { get: {} } } })).toThrow(/GET \/d declares no access/);
  });
});
