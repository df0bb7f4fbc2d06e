/**
 * The Cloudflare purge-by-tag adapter against a local HTTP server that speaks the API's
 * shape (POST /zones/{zone}/purge_cache, Bearer token, {"tags": [...]}, {success, errors}).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CloudflarePurgeError, MAX_TAGS_PER_PURGE, purgeTagsGlobally } from '../../src/lib/cloudflare-purge.ts';
import { purgeCatalogTags } from '../../src/services/catalog/cache-tags.ts';

interface Received {
  path: string;
  authorization: string | undefined;
  body: { tags?: string[] };
}

let server: Server;
let baseUrl = '';
const received: Received[] = [];

async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

/** Cloudflare's purge endpoint, as much of it as the client meets. */
async function purgeEndpoint(req: IncomingMessage, res: ServerResponse) {
  const body = JSON.parse(await bodyOf(req)) as { tags?: string[] };
  received.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
  res.setHeader('content-type', 'application/json');
  if (req.headers.authorization !== 'Bearer good-token') {
    res.statusCode = 403;
    res.end(
      JSON.stringify({ success: false, errors: [{ code: 10000, message: 'Authentication error' }], result: null }),
    );
    return;
  }
  if ((body.tags ?? []).length > MAX_TAGS_PER_PURGE) {
    res.statusCode = 400;
    res.end(JSON.stringify({ success: false, errors: [{ code: 1073, message: 'too many tags' }] }));
    return;
  }
  res.end(JSON.stringify({ success: true, errors: [], messages: [], result: { id: 'purge-1' } }));
}

beforeAll(async () => {
  // A body that is not JSON answers 400 instead of an unhandled rejection
  // and a request left hanging until the client's timeout.
  server = createServer((req, res) => {
    purgeEndpoint(req, res).catch(() => {
      res.statusCode = 400;
      res.end(JSON.stringify({ success: false, errors: [{ code: 400, message: 'body is not JSON' }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('purge by tag (Cloudflare API adapter)', () => {
  it('posts the tags to the zone with the token', async () => {
    received.length = 0;
    const result = await purgeTagsGlobally({ zoneId: 'zone123', apiToken: 'good-token', baseUrl }, [
      't:a:p:1',
      't:a:lists',
      't:a:lists',
    ]);
    expect(result).toEqual({ calls: 1 });
    expect(received).toEqual([
      {
        path: '/client/v4/zones/zone123/purge_cache',
        authorization: 'Bearer good-token',
        body: { tags: ['t:a:p:1', 't:a:lists'] },
      },
    ]);
  });

  it('sends at most 100 tags per call', async () => {
    received.length = 0;
    const tags = Array.from({ length: 230 }, (_, i) => `t:a:p:${i}`);
    expect(await purgeTagsGlobally({ zoneId: 'z', apiToken: 'good-token', baseUrl }, tags)).toEqual({ calls: 3 });
    expect(received.map((r) => r.body.tags?.length)).toEqual([100, 100, 30]);
  });

  it("a refusal is an error carrying Cloudflare's message", async () => {
    const err = await purgeTagsGlobally({ zoneId: 'z', apiToken: 'bad', baseUrl }, ['x']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudflarePurgeError);
    expect((err as CloudflarePurgeError).status).toBe(403);
    expect((err as Error).message).toContain('Authentication error');
  });

  it('purgeCatalogTags calls it only when a zone and a token are configured, and logs a failure', async () => {
    received.length = 0;
    await purgeCatalogTags({}, ['t:a:lists']);
    expect(received).toHaveLength(0);
    await purgeCatalogTags({ CF_ZONE_ID: 'z', CF_API_TOKEN: 'good-token', CF_API_BASE_URL: baseUrl }, ['t:a:lists']);
    expect(received.map((r) => r.body.tags)).toEqual([['t:a:lists']]);
    const errors: string[] = [];
    await purgeCatalogTags({ CF_ZONE_ID: 'z', CF_API_TOKEN: 'bad', CF_API_BASE_URL: baseUrl }, ['t:a:lists'], {
      logger: { warn: () => {}, error: (msg) => errors.push(msg) },
    });
    expect(errors).toHaveLength(1);
  });
});
