/**
 * Cloudflare's purge-by-tag API (`POST /zones/{zone_id}/purge_cache` with `{"tags": [...]}`),
 * available on every plan. At most 100 tags per call (Cloudflare's limit), so longer lists
 * are sent in chunks. The base URL is configurable so tests run it against a local server.
 */
export interface CloudflarePurgeConfig {
  zoneId: string;
  apiToken: string;
  /** Default https://api.cloudflare.com/client/v4 */
  baseUrl?: string;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  timeoutMs?: number;
}

export const MAX_TAGS_PER_PURGE = 100;

export class CloudflarePurgeError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'CloudflarePurgeError';
    this.status = status;
  }
}

/** Purges every cached response carrying one of `tags` in all Cloudflare data centers of the zone. */
export async function purgeTagsGlobally(
  config: CloudflarePurgeConfig,
  tags: readonly string[],
): Promise<{ calls: number }> {
  const unique = [...new Set(tags)];
  const base = (config.baseUrl ?? 'https://api.cloudflare.com/client/v4').replace(/\/+$/, '');
  const doFetch = config.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  let calls = 0;
  for (let i = 0; i < unique.length; i += MAX_TAGS_PER_PURGE) {
    const chunk = unique.slice(i, i + MAX_TAGS_PER_PURGE);
    calls++;
    const res = await doFetch(`${base}/zones/${encodeURIComponent(config.zoneId)}/purge_cache`, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tags: chunk }),
      signal: AbortSignal.timeout(config.timeoutMs ?? 5000),
    });
    const body = (await res.json().catch(() => null)) as {
      success?: boolean;
      errors?: { code?: number; message?: string }[];
    } | null;
    if (!res.ok || body?.success !== true) {
      const why =
        body?.errors?.map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ') || `HTTP ${res.status}`;
      throw new CloudflarePurgeError(`Cloudflare purge by tag failed: ${why}`, res.status);
    }
  }
  return { calls };
}
