/**
 * The OpenAPI document is completed centrally (src/lib/openapi.ts): every operation has a
 * description, the errors the shared middleware can answer, and every JSON request body an
 * example that the route's own zod schema accepts.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { createApp } from '../../src/app.ts';
import { call } from '../fixtures/index.ts';

/** The parts of an operation this test reads (the document is checked against them, not cast). */
const Operation = z.looseObject({
  operationId: z.string().optional(),
  'x-api-key-scope': z.string().optional(),
  'x-access-note': z.string().optional(),
  summary: z.string().optional(),
  description: z.string().optional(),
  security: z.array(z.unknown()).optional(),
  parameters: z.array(z.looseObject({ name: z.string(), in: z.string() })).optional(),
  requestBody: z
    .looseObject({ content: z.record(z.string(), z.looseObject({ example: z.unknown().optional() })) })
    .optional(),
  responses: z.record(
    z.string(),
    z.looseObject({
      content: z
        .record(z.string(), z.looseObject({ example: z.unknown().optional(), schema: z.unknown().optional() }))
        .optional(),
    }),
  ),
});
type Operation = z.infer<typeof Operation>;
const Doc = z.looseObject({ paths: z.record(z.string(), z.record(z.string(), Operation)) });
type Doc = z.infer<typeof Doc>;

async function document(): Promise<Doc> {
  // Raw: the document as served, read as data (the typed client types routes, not this JSON).
  const res = await call('/api/v1/openapi.json');
  expect(res.status).toBe(200);
  return Doc.parse(await res.json());
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

  it('every operation has a unique operationId', async () => {
    const ids = operations(await document()).map(([name, op]) => op.operationId ?? `missing for ${name}`);
    expect(ids.filter((id) => id.startsWith('missing'))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('says how to authenticate as the route enforces it: no operation that refuses API keys offers one', async () => {
    for (const [name, op] of operations(await document())) {
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s as object));
      if (op['x-api-key-scope'] === 'user-token-only') {
        expect(schemes, name).toEqual(['bearerAuth']);
        expect(op.description, name).toContain('API keys are refused (403)');
        expect(op.description, name).not.toContain('X-API-Key');
      } else if (op['x-api-key-scope'] === 'none') {
        expect(op.description, name).toContain('Authentication: none needed');
      } else {
        expect(schemes.filter((s) => s === 'apiKey' || s === 'bearerAuth').sort(), name).toEqual([
          'apiKey',
          'bearerAuth',
        ]);
        expect(op.description, name).toContain(`needs the permission \`${op['x-api-key-scope']}\``);
        // Another way in (an anonymous cart's X-Cart-Token, or nothing at all) is offered only with its note.
        const other = ((op.security ?? []) as object[]).filter((s) => !('apiKey' in s) && !('bearerAuth' in s));
        const note = op['x-access-note'];
        if (other.length) expect(op.description, name).toContain(`Without credentials: ${note}`);
      }
    }
  });

  it('every JSON success response has an example', async () => {
    for (const [name, op] of operations(await document())) {
      for (const [status, response] of Object.entries(op.responses)) {
        const json = response.content?.['application/json'];
        if (/^2/.test(status) && json?.schema) expect(json.example, `${name} ${status}`).toBeDefined();
      }
    }
  });
});
