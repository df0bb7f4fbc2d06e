/**
 * Raw request helpers, kept while test files move to test/fixtures (the typed client); new
 * tests import from '../fixtures/index.ts'.
 */
import { call } from '../fixtures/api.ts';

export { call, eventually, problemOf, randomClientIp, type Problem } from '../fixtures/api.ts';

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
