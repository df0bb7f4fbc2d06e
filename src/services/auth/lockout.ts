/**
 * Failed sign-ins and the lockout they cause (OWASP Authentication Cheat Sheet, "Account
 * Lockout"): a lock that anyone can trigger is a denial-of-service lever (five anonymous wrong
 * passwords used to lock the only ADMIN for good, and no route could unlock it), so failures
 * only ever cause a TEMPORARY lock with growing delays:
 *
 * - every failed password or 2FA code counts (`failed_login_attempts`, consecutive: a success
 *   resets it);
 * - at MAX_FAILED_LOGINS failures in a row, and at each further failure once a lock has run
 *   out, sign-in is refused until `locked_until` = now + 60 s × 2^(failures − MAX), at most
 *   15 minutes (1, 2, 4, 8, 15, 15... minutes), answered 423 with Retry-After;
 * - attempts during a lock are refused without checking the secret and do not count (they
 *   cannot extend it); the per-client and per-account rate limits (middleware/rate-limit.ts)
 *   slow guessing further;
 * - the owner's sessions are left alone: failures prove nothing about them. The owner is told
 *   (ACCOUNT_LOCKED) when a series of locks begins.
 *
 * The PERMANENT lock (`account_locked`) is an administrator's action only (POST
 * /admin/users/{id}/lock), lifted by POST /admin/users/{id}/unlock or, when no administrator
 * can sign in, by `npm run account:unlock` (scripts/account-unlock.ts).
 */
import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';

import type { Transaction } from '../../db/pg/client.ts';
import type { HttpDatabase } from '../../db/pg/http.ts';
import { users, type User } from '../../db/pg/schema/index.ts';

export const LOCKOUT_BASE_SECONDS = 60;
export const LOCKOUT_MAX_SECONDS = 900;

export type LockState = { kind: 'open' } | { kind: 'locked' } | { kind: 'paused'; retryAfterSeconds: number };

/** Whether the user may try a secret now: open, locked by an administrator, or paused after failures. */
export function lockStateOf(user: Pick<User, 'accountLocked' | 'lockedUntil'>, now = Date.now()): LockState {
  if (user.accountLocked) return { kind: 'locked' };
  const until = user.lockedUntil?.getTime() ?? 0;
  return until > now
    ? { kind: 'paused', retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) }
    : { kind: 'open' };
}

export type FailureOutcome =
  | { kind: 'counted' }
  /** This failure paused sign-in; `first` when it begins a series (the MAX-th failure in a row). */
  | { kind: 'paused'; retryAfterSeconds: number; first: boolean; at: Date }
  /** Another attempt paused or locked the account meanwhile: this one does not count. */
  | { kind: 'closed'; state: LockState };

/**
 * The two statements of one failure: a conditional UPDATE that counts it, so concurrent failures
 * each count once and the pause is computed from the count the database holds (a user already
 * paused or locked, by a concurrent attempt, is not counted again); then a read of the lock state,
 * a statement of its own so that under READ COMMITTED it sees what a concurrent attempt committed
 * while the UPDATE waited for the row. Non-interactive: one batch (`inTenantBatch`, one round trip
 * on the HTTP path), or one after the other on a transaction (`recordFailure`).
 */
export function failureStatements(db: HttpDatabase, userId: string, maxFailed: number) {
  const next = sql`${users.failedLoginAttempts} + 1`;
  const pause = sql`least(${LOCKOUT_MAX_SECONDS}::float8, ${LOCKOUT_BASE_SECONDS}::float8 * power(2::float8, least(${next} - ${maxFailed}, 30)))`;
  return [
    db
      .update(users)
      .set({
        failedLoginAttempts: next,
        lockedUntil: sql`case when ${next} >= ${maxFailed} then now() + make_interval(secs => ${pause}) else null end`,
        updatedAt: sql`now()`,
      })
      .where(
        and(
          eq(users.id, userId),
          eq(users.accountLocked, false),
          or(isNull(users.lockedUntil), lte(users.lockedUntil, sql`now()`)),
        ),
      )
      .returning({ failed: users.failedLoginAttempts, lockedUntil: users.lockedUntil, at: users.updatedAt }),
    db
      .select({ accountLocked: users.accountLocked, lockedUntil: users.lockedUntil })
      .from(users)
      .where(eq(users.id, userId)),
  ] as const;
}

type FailureResults = readonly [
  Array<{ failed: number; lockedUntil: Date | null; at: Date }>,
  Array<{ accountLocked: boolean; lockedUntil: Date | null }>,
];

/** What the answers of `failureStatements` mean. */
export function failureOutcome([counted, current]: FailureResults, maxFailed: number): FailureOutcome {
  const after = counted[0];
  if (!after) {
    const row = current[0];
    return { kind: 'closed', state: row ? lockStateOf(row) : { kind: 'locked' } };
  }
  if (!after.lockedUntil) return { kind: 'counted' };
  const state = lockStateOf({ accountLocked: false, lockedUntil: after.lockedUntil });
  return {
    kind: 'paused',
    retryAfterSeconds: state.kind === 'paused' ? state.retryAfterSeconds : 1,
    first: after.failed === maxFailed,
    at: after.at,
  };
}

/** Counts one failure on the caller's transaction (the 2FA checks, which run interactively). */
export async function recordFailure(tx: Transaction, userId: string, maxFailed: number): Promise<FailureOutcome> {
  const [update, select] = failureStatements(tx as unknown as HttpDatabase, userId, maxFailed);
  const counted = await update;
  // The read is only needed when nothing was counted (see failureStatements).
  return failureOutcome([counted, counted.length > 0 ? [] : await select], maxFailed);
}

/** The reset of a successful sign-in (or an unlock): no failures, no pause. */
export const clearedFailures = { failedLoginAttempts: 0, lockedUntil: null } as const;
