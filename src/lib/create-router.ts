import { OpenAPIHono } from '@hono/zod-openapi';
import { problemResponse } from './problem.ts';
import { validationProblem } from './validation.ts';
import type { AppEnv } from './types.ts';

/**
 * The one way to make a router: validation failures of any target (json, query,
 * param, header) become a 400 problem naming each field.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result, c) => {
      if (!result.success) {
        return problemResponse(validationProblem(result.error, result.target === 'json' ? 'body' : result.target), c.get('requestId'));
      }
    },
  });
}

export type AppRouter = ReturnType<typeof createRouter>;
