import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';

import { DataApiTimeoutError, DataApiUnavailableError, DuplicateKeyError } from '../db/mongo/errors.ts';
import { errorFields } from '../lib/logger.ts';
import { Problem, problemResponse, problems } from '../lib/problem.ts';
import type { AppEnv } from '../lib/types.ts';
import { validationProblem } from '../lib/validation.ts';

/** PostgreSQL SQLSTATEs that are the client's fault, not ours. */
function fromPostgres(err: unknown): Problem | undefined {
  const code = (err as { code?: unknown })?.code;
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  const sqlState = typeof code === 'string' ? code : typeof cause?.code === 'string' ? cause.code : undefined;
  switch (sqlState) {
    case '23505':
      return problems.conflict('A resource with the same unique value already exists.');
    case '23503':
      return problems.conflict('The request refers to a resource that does not exist or is still in use.');
    // Data exceptions caused by input that validation should have refused first: still the
    // client's 400, never a 500 (defence in depth behind the zod schemas and nulFields).
    case '22021': // a character the database encoding cannot hold (U+0000 in text)
    case '22P05': // the same inside jsonb
      return problems.validation([], 'The request holds a character that cannot be stored (U+0000).');
    case '22001': // value too long for the column
    case '22003': // numeric value out of range
    case '22007': // invalid datetime format
    case '22008': // datetime field overflow
    case '22P02': // invalid text representation (e.g. of a uuid)
      return problems.validation(
        [],
        'A value of the request cannot be stored as given (too long, out of range or malformed).',
      );
    case '40001':
    case '40P01':
      return problems.conflict('The resource was changed concurrently; retry the request.');
    default:
      return undefined;
  }
}

/**
 * The PostgreSQL connection failed (refused, timed out, dropped by the server or a
 * proxy): the store is unavailable, which the client may retry, not a bug of ours.
 * Only these driver messages; a query error carries a SQLSTATE and is handled above.
 */
const PG_CONNECTION_LOST =
  /^(Connection terminated|connect ECONNREFUSED|Connection terminated due to connection timeout|timeout exceeded when trying to connect)/;

function isPgConnectionLoss(err: unknown): boolean {
  return err instanceof Error && !('code' in err) && PG_CONNECTION_LOST.test(err.message);
}

/** Maps any thrown value to a problem; unknown errors become an opaque 500. */
export function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  if (err instanceof ZodError) return validationProblem(err, 'body');
  if (err instanceof HTTPException) {
    if (err.status === 400 && /malformed json/i.test(err.message)) return problems.malformedJson();
    if (err.status === 413) return problems.payloadTooLarge(0);
    return new Problem(err.status, 'http-' + err.status, err.message || 'Error');
  }
  if (err instanceof DuplicateKeyError)
    return problems.conflict('A resource with the same unique value already exists.');
  if (err instanceof DataApiTimeoutError || err instanceof DataApiUnavailableError) {
    return problems.unavailable('A backing store is temporarily unavailable; retry later.');
  }
  if (isPgConnectionLoss(err)) {
    return problems.unavailable('The database is temporarily unavailable; retry later.', 1);
  }
  return fromPostgres(err) ?? problems.internal();
}

export const onError: ErrorHandler<AppEnv> = (err, c: Context<AppEnv>) => {
  const problem = toProblem(err);
  const logger = c.get('logger');
  if (problem.status >= 500) logger?.error('request failed', { path: c.req.path, ...errorFields(err) });
  else logger?.debug('request rejected', { path: c.req.path, status: problem.status, detail: problem.message });
  return problemResponse(problem, c.get('requestId'));
};

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  problemResponse(problems.routeNotFound(c.req.method, c.req.path), c.get('requestId'));
