import { exports } from 'cloudflare:workers';

const BASE = 'http://localhost';

/** A client address of its own (an IPv6 /64 of the documentation range). */
export function randomClientIp(): string {
  const group = () => Math.floor(Math.random() * 0x10000).toString(16);
  return `2001:db8:${group()}:${group()}::1`;
}

/**
 * Sends a request through the Worker's real fetch handler. Deliberately, every call
 * comes from a client address of its own unless the test names one with
 * `cf-connecting-ip`: the per-client rate limits (wrangler.toml `[[ratelimits]]`, the
 * production values) then never couple unrelated tests, which sign in hundreds of
 * times a minute; test/worker/auth-rate-limits.test.ts names its clients.
 */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(BASE + path, init);
  if (!request.headers.has('cf-connecting-ip')) request.headers.set('cf-connecting-ip', randomClientIp());
  return exports.default.fetch(request);
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { field: string; message: string }[];
  requestId?: string;
}

export async function problemOf(res: Response): Promise<Problem> {
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json')) {
    throw new Error(`expected problem+json, got ${type}: ${await res.text()}`);
  }
  return (await res.json()) as Problem;
}

export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
