/**
 * The OpenAPI document is completed centrally (src/lib/openapi.ts): every operation has a
 * description, the errors the shared middleware can answer, and every JSON request body an
 * example that the route's own zod schema accepts.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';

import { createApp } from '../../src/app.ts';
import { call } from './helpers.ts';

interface Operation {
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, unknown>;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

async function document(): Promise<Doc> {
  const res = await call('/api/v1/openapi.json');
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

function operations(doc: Doc): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation]),
  );
}

describe('OpenAPI document', () => {
  it('is the same at /openapi.json and /api/v1/openapi.json', async () => {
    expect(await (await call('/openapi.json')).json()).toEqual(await document());
  });

  it('every operation has a summary, a description and its standard errors', async () => {
    const ops = operations(await document());
    expect(ops.length).toBeGreaterThan(40);
    for (const [name, op] of ops) {
      expect(op.summary, name).toBeTruthy();
      expect(op.description, name).toBeTruthy();
      const statuses = Object.keys(op.responses);
      expect(statuses, name).toEqual(expect.arrayContaining(['401', '500', '503']));
      if (op.requestBody || op.parameters?.length) expect(statuses, name).toContain('400');
      if (op.security) expect(statuses, name).toContain('403');
      if (op.parameters?.some((p) => p.in === 'path')) expect(statuses, name).toContain('404');
      if (op.requestBody) expect(statuses, name).toEqual(expect.arrayContaining(['413', '415']));
      if (op.parameters?.some((p) => p.name === 'idempotency-key')) expect(statuses, name).toContain('422');
    }
  });

  it("every JSON request body has an example that the route's zod schema accepts", async () => {
    const doc = await document();
    const app = createApp();
    const schemas = new Map<string, z.ZodType>();
    for (const def of app.openAPIRegistry.definitions) {
      if (def.type !== 'route') continue;
      const media = def.route.request?.body?.content?.['application/json'] as { schema?: z.ZodType } | undefined;
      const body = media?.schema;
      const path = def.route.path.replace(/:(\w+)/g, '{$1}');
      if (body) schemas.set(`${def.route.method.toUpperCase()} ${path}`, body);
    }
    const withBody = operations(doc).filter(([, op]) => op.requestBody?.content['application/json']);
    expect(withBody.length).toBeGreaterThan(20);
    for (const [name, op] of withBody) {
      const example = op.requestBody!.content['application/json']!.example;
      expect(example, name).toBeDefined();
      const schema = schemas.get(name);
      expect(schema, `no zod schema found for ${name}`).toBeDefined();
      const parsed = schema!.safeParse(example);
      expect(parsed.success, `${name}: ${JSON.stringify(example)} -> ${JSON.stringify(parsed.error?.issues)}`).toBe(
        true,
      );
    }
  });
});
