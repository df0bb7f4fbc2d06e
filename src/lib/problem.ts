/**
 * RFC 9457 problem details. Every error the API returns is one of these, with
 * `application/problem+json`. Throw a `Problem` from anywhere (route, service, saga
 * step); the app's error handler renders it.
 */
export interface FieldError {
  /** Dotted path of the offending field, e.g. `body.email` or `query.limit`. */
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TYPE_BASE = 'https://errors.ecommerce-edge.dev/';

/**
 * Member names an extension may not take: RFC 9457's own (`type`, `title`, `status`,
 * `detail`, `instance`) and the two this API adds to every problem (`errors`,
 * `requestId`). An extension named `status` once replaced the HTTP status in the body
 * with an order's status; a problem type names such facts e.g. `orderStatus`.
 */
export const RESERVED_PROBLEM_MEMBERS = [
  'type',
  'title',
  'status',
  'detail',
  'instance',
  'errors',
  'requestId',
] as const;
type ReservedMember = (typeof RESERVED_PROBLEM_MEMBERS)[number];

/** Extension members of a problem: any name but a reserved one (refused by the type and at run time). */
export type ProblemExtensions = Record<string, unknown> & { [K in ReservedMember]?: never };

export class Problem extends Error {
  readonly status: number;
  readonly title: string;
  readonly type: string;
  readonly errors: FieldError[] | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    slug: string,
    title: string,
    detail?: string,
    opts: { errors?: FieldError[] | undefined; extensions?: ProblemExtensions; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? title);
    this.name = 'Problem';
    this.status = status;
    this.title = title;
    this.type = TYPE_BASE + slug;
    this.errors = opts.errors;
    const extensions = opts.extensions ?? {};
    const reserved = Object.keys(extensions).filter((k) => (RESERVED_PROBLEM_MEMBERS as readonly string[]).includes(k));
    if (reserved.length)
      throw new TypeError(
        `problem '${slug}': extension member(s) ${reserved.join(', ')} would overwrite RFC 9457 members`,
      );
    this.extensions = extensions;
    this.headers = opts.headers ?? {};
  }

  /** Whether this is the problem type `slug` (services branch on types, never on status codes). */
  hasType(slug: string): boolean {
    return this.type === TYPE_BASE + slug;
  }

  toBody(instance?: string): ProblemBody {
    // Extensions first: the standard members are written after them and always win.
    const body: ProblemBody = { ...this.extensions, type: this.type, title: this.title, status: this.status };
    if (this.message && this.message !== this.title) body.detail = this.message;
    if (instance) body.instance = instance;
    if (this.errors?.length) body.errors = this.errors;
    return body;
  }
}

export const problems = {
  validation: (errors: FieldError[], detail = 'The request has invalid fields.') =>
    new Problem(400, 'validation', 'Validation failed', detail, { errors }),
  malformedJson: () => new Problem(400, 'malformed-json', 'Malformed JSON', 'The request body is not valid JSON.'),
  unauthorized: (detail = 'Authentication is required.') =>
    new Problem(401, 'unauthorized', 'Unauthorized', detail, { headers: { 'www-authenticate': 'Bearer' } }),
  forbidden: (detail = 'You do not have permission to do this.', errors?: FieldError[]) =>
    new Problem(403, 'forbidden', 'Forbidden', detail, { errors }),
  notFound: (what = 'Resource') => new Problem(404, 'not-found', 'Not found', `${what} not found.`),
  routeNotFound: (method: string, path: string) =>
    new Problem(404, 'route-not-found', 'Not found', `No route for ${method} ${path}.`),
  methodNotAllowed: () => new Problem(405, 'method-not-allowed', 'Method not allowed'),
  conflict: (detail: string, extensions?: ProblemExtensions, errors?: FieldError[]) =>
    new Problem(409, 'conflict', 'Conflict', detail, { extensions, errors }),
  /** A unique value is taken; names the field so a form can show it. */
  conflictField: (field: string, message: string) => problems.conflict(message, undefined, [{ field, message }]),
  /** The resource changed since the version the client sent in If-Match; may name the current one. */
  preconditionFailed: (detail: string, opts: { currentVersion?: number; headers?: Record<string, string> } = {}) =>
    new Problem(412, 'precondition-failed', 'Precondition failed', detail, {
      extensions: opts.currentVersion === undefined ? {} : { currentVersion: opts.currentVersion },
      headers: opts.headers ?? {},
    }),
  preconditionRequired: (detail: string) => new Problem(428, 'precondition-required', 'Precondition required', detail),
  payloadTooLarge: (limit: number) =>
    new Problem(413, 'payload-too-large', 'Payload too large', `The request body exceeds ${limit} bytes.`, {
      extensions: { limit },
    }),
  unsupportedMediaType: (got: string | undefined) =>
    new Problem(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      `Expected application/json, got ${got ? `'${got}'` : 'no Content-Type'}.`,
    ),
  idempotencyKeyReused: () =>
    new Problem(
      422,
      'idempotency-key-reused',
      'Idempotency-Key reused',
      'This Idempotency-Key was already used with a different request. Use a new key for a new request.',
    ),
  locked: (detail: string) => new Problem(423, 'locked', 'Locked', detail),
  tooManyRequests: (retryAfterSeconds: number) =>
    new Problem(429, 'too-many-requests', 'Too many requests', undefined, {
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
  internal: () =>
    new Problem(
      500,
      'internal',
      'Internal server error',
      'An unexpected error occurred. Quote the request id when reporting it.',
    ),
  unavailable: (detail: string, retryAfterSeconds?: number) =>
    new Problem(503, 'unavailable', 'Service unavailable', detail, {
      headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
    }),
};

export function problemResponse(problem: Problem, requestId?: string): Response {
  const body = problem.toBody();
  if (requestId) body.requestId = requestId;
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json', ...problem.headers },
  });
}
