import { OpenAPIHono } from '@hono/zod-openapi';

import { problemResponse, problems } from './problem.ts';
import type { AppEnv } from './types.ts';
import { nulFields, validationProblem } from './validation.ts';

/** The name of a validation target in field errors: `body.email`, `query.limit`, `param.id`, `header.if-match`. */
const targetName = (target: string) => (target === 'json' ? 'body' : target);

/**
 * The one way to make a router: validation failures of any target (json, query,
 * param, header) become a 400 problem naming each field, and so does a NUL
 * character in any validated string (see `nulFields`): one check for every route.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result, c) => {
      const target = targetName(result.target);
      if (!result.success) return problemResponse(validationProblem(result.error, target), c.get('requestId'));
      const nul = nulFields(result.data, target);
      if (nul.length > 0) return problemResponse(problems.validation(nul), c.get('requestId'));
    },
  });
}

export type AppRouter = ReturnType<typeof createRouter>;
