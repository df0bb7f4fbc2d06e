import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

import { configOf } from '../lib/config.ts';
import { problems } from '../lib/problem.ts';
import type { AppEnv } from '../lib/types.ts';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Paths that accept other media types (provider webhooks verify raw bytes). */
const RAW_BODY_PATHS = [/^\/api\/v1\/payments\/webhooks\//];

/** A request that carries a body must say it is JSON: 415 otherwise. */
export const requireJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (METHODS_WITH_BODY.has(c.req.method) && !RAW_BODY_PATHS.some((re) => re.test(c.req.path))) {
    const length = c.req.header('content-length');
    const hasBody = c.req.raw.body !== null && length !== '0';
    const type = c.req.header('content-type');
    const mediaType = type?.split(';')[0]?.trim() ?? '';
    if (hasBody && !JSON_MEDIA_TYPE.test(mediaType)) throw problems.unsupportedMediaType(type);
  }
  await next();
};

/** Bodies over MAX_BODY_BYTES are refused with 413 before they are read. */
export const limitBody: MiddlewareHandler<AppEnv> = (c, next) => {
  const maxSize = configOf(c.env).maxBodyBytes;
  return bodyLimit({
    maxSize,
    onError: () => {
      throw problems.payloadTooLarge(maxSize);
    },
  })(c, next);
};
