/**
 * Typed errors of the Data API client (`./client.ts`).
 *
 * Every failure of a Data API call is a `DataApiError` (or a subclass), never a bare
 * `TypeError`/`DOMException`, so callers can `instanceof`-switch:
 *
 * | class                     | when                                                       | status |
 * |---------------------------|------------------------------------------------------------|--------|
 * | `DuplicateKeyError`       | Mongo code 11000 (unique index violated), any HTTP status  | 409    |
 * | `DataApiAuthError`        | HTTP 401 / 403 (missing or wrong `api-key`)                | 401/403|
 * | `DataApiTimeoutError`     | `timeoutMs` elapsed (AbortSignal.timeout)                  | 0      |
 * | `DataApiUnavailableError` | network failure (DNS, refused, reset) or HTTP 5xx / 429    | 0/5xx  |
 * | `DataApiError`            | anything else: bad request (400), unexpected response, ... | 4xx    |
 *
 * `status` is the HTTP status (0 when no response arrived). `code` is the server's
 * `error_code` (Data API v1 style, e.g. `InvalidParameter`, `DuplicateKey`) or one of
 * the client's own: `Timeout`, `NetworkError`, `InvalidResponse`.
 */

export interface DataApiErrorInit {
  status: number;
  code: string;
  /** Data API action, e.g. `insertOne`. */
  action?: string;
  /** Numeric MongoDB error code when the server reported one (e.g. 11000, 2, 238). */
  mongoCode?: number;
  /** Parsed error body, when there was one. */
  body?: unknown;
  cause?: unknown;
  retryable?: boolean;
}

export class DataApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly action: string | undefined;
  readonly mongoCode: number | undefined;
  readonly body: unknown;
  /** True when repeating the same call later may succeed (timeouts, 5xx, network). */
  readonly retryable: boolean;

  constructor(message: string, init: DataApiErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'DataApiError';
    this.status = init.status;
    this.code = init.code;
    this.action = init.action;
    this.mongoCode = init.mongoCode;
    this.body = init.body;
    this.retryable = init.retryable ?? false;
  }
}

/** A unique index was violated (Mongo error 11000). */
export class DuplicateKeyError extends DataApiError {
  /** e.g. `{ tenantId: 1, slug: 1 }`; MongoDB sends it, FerretDB v2 does not. */
  readonly keyPattern: Record<string, unknown> | undefined;
  /** e.g. `{ tenantId: 't1', slug: 'x' }`; MongoDB sends it, FerretDB v2 does not. */
  readonly keyValue: Record<string, unknown> | undefined;

  constructor(
    message: string,
    init: DataApiErrorInit & { keyPattern?: Record<string, unknown>; keyValue?: Record<string, unknown> },
  ) {
    super(message, { ...init, mongoCode: init.mongoCode ?? 11000 });
    this.name = 'DuplicateKeyError';
    this.keyPattern = init.keyPattern;
    this.keyValue = init.keyValue;
  }
}

/** HTTP 401/403: missing, wrong or revoked API key. */
export class DataApiAuthError extends DataApiError {
  constructor(message: string, init: DataApiErrorInit) {
    super(message, init);
    this.name = 'DataApiAuthError';
  }
}

/** The call did not complete within `timeoutMs` (the request was aborted). */
export class DataApiTimeoutError extends DataApiError {
  readonly timeoutMs: number;

  constructor(message: string, init: Omit<DataApiErrorInit, 'status' | 'code'> & { timeoutMs: number }) {
    super(message, { ...init, status: 0, code: 'Timeout', retryable: true });
    this.name = 'DataApiTimeoutError';
    this.timeoutMs = init.timeoutMs;
  }
}

/** The Data API server could not be reached, or answered 5xx/429. */
export class DataApiUnavailableError extends DataApiError {
  constructor(message: string, init: DataApiErrorInit) {
    super(message, { ...init, retryable: true });
    this.name = 'DataApiUnavailableError';
  }
}
