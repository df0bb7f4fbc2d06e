/**
 * ETags and If-Match, one behaviour on every route that changes a versioned resource
 * (products, reviews, orders). An ETag is the resource's version, quoted: `"3"`.
 *
 * If-Match, read by the header schema `ifMatchHeaders`:
 *  - `"3"` or `W/"3"` (weak tags accepted): the change applies only to version 3;
 *  - `*`: any current version;
 *  - anything else: 400 naming `header.if-match` (zod, like every other field);
 *  - absent: `*` where optional, 428 where the route's schema requires it (`expectedVersion`).
 * A version that is no longer current: 412 with the current ETag (`staleVersion`),
 * thrown by the service that compares it.
 * If-None-Match (reads, the edge cache): weak comparison, `etagMatches`.
 */
import { z } from '@hono/zod-openapi';

import { problems, type Problem } from './problem.ts';

export const etagOf = (version: number) => `"${version}"`;

const ETAG = /^(?:W\/)?"(\d{1,9})"$/;

/** RFC 9110 weak comparison of If-None-Match against an ETag (`W/"3"` matches `"3"`; `*` matches any). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string | null): boolean {
  if (!ifNoneMatch || !etag) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}

/** What an If-Match header asks for: a version, `*` (any), or nothing where the route requires it. */
export type IfMatch = number | '*' | 'missing';

/**
 * The `if-match` header schema of a route. Absent, it reads as `*` where optional and as
 * `missing` where `required`, which `expectedVersion` answers with 428 (a status zod
 * cannot give), so the route declares the requirement once, here.
 */
export function ifMatchHeaders(what: string, opts: { required: boolean }) {
  return z.object({
    'if-match': z
      .string()
      .max(100)
      .optional()
      .transform((text, ctx): IfMatch => {
        const value = text?.trim();
        if (value === undefined) return opts.required ? 'missing' : '*';
        if (value === '*') return '*';
        const m = ETAG.exec(value);
        if (!m) {
          ctx.addIssue({ code: 'custom', message: 'must be an ETag you read, like "3" (or *)' });
          return z.NEVER;
        }
        return Number(m[1]);
      })
      .openapi({
        param: { name: 'if-match', in: 'header' },
        type: 'string',
        example: '"3"',
        description: `${opts.required ? 'Required' : 'Optional'}: the ETag of the ${what} as read (\`W/"3"\` and \`*\` accepted); a stale one is 412`,
      }),
  });
}

/** The version a command must find, from the parsed header: undefined for `*` (any); 428 when a required header is missing. */
export function expectedVersion(ifMatch: IfMatch): number | undefined {
  if (ifMatch === 'missing') {
    throw problems.preconditionRequired('Send If-Match: "<version>" (the ETag you read) to change it.');
  }
  return ifMatch === '*' ? undefined : ifMatch;
}

/** 412: the client's version is no longer current; carries the current ETag. */
export function staleVersion(what: string, current: number): Problem {
  return problems.preconditionFailed(`The ${what} has changed; its current version is ${current}.`, {
    currentVersion: current,
    headers: { etag: etagOf(current) },
  });
}
