import { describe, expect, it } from 'vitest';

import { call, problemOf } from './helpers.ts';

describe('HTTP error contract (RFC 9457)', () => {
  it('answers an unknown route with 404 problem+json and the request id', async () => {
    const res = await call('/api/v1/no-such-thing', { headers: { 'x-request-id': 'req-123' } });
    expect(res.status).toBe(404);
    const problem = await problemOf(res);
    expect(problem).toMatchObject({ status: 404, title: 'Not found', requestId: 'req-123' });
    expect(problem.detail).toContain('GET /api/v1/no-such-thing');
    expect(res.headers.get('x-request-id')).toBe('req-123');
  });

  it('answers malformed JSON with 400', async () => {
    const res = await call('/api/v1/health', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"broken": ',
    });
    // POST /health does not exist: the route check comes first, still a problem.
    expect(res.status).toBe(404);
    await problemOf(res);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const res = await call('/api/v1/anything', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(415);
    const problem = await problemOf(res);
    expect(problem.detail).toContain('text/plain');
  });

  it('refuses a body over the limit with 413 before reading it', async () => {
    const res = await call('/api/v1/anything', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blob: 'x'.repeat(300_000) }),
    });
    expect(res.status).toBe(413);
    expect((await problemOf(res)).title).toBe('Payload too large');
  });

  it('sets secure headers on every response', async () => {
    const res = await call('/api/v1/no-such-thing');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('serves the OpenAPI 3.1 document and the docs page', async () => {
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/health');
    const prefixed = await call('/api/v1/openapi.json');
    expect(prefixed.status).toBe(200);
    expect(await prefixed.json()).toEqual(doc);
    const docs = await call('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/docs/init.js');
  });
});
