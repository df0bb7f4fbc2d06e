/**
 * The `t=<unix seconds>,v1=<hex>` webhook signature scheme (Stripe's, also used by the test
 * provider with its own secret and header):
 *
 *   v1 = hex(HMAC-SHA256(endpointSecret, `${t}.${rawBody}`))
 *
 * Invariants: the raw body is verified byte for byte before anything parses it; several `v1`
 * entries may be present (during secret rotation) and any one matching suffices; other schemes
 * (`v0`) are ignored; comparisons are constant time; a timestamp further than `toleranceSeconds`
 * from now (either direction) is rejected, so a captured request cannot be replayed later.
 */
import { hexEncode, timingSafeEqual, utf8 } from '../../../lib/bytes.ts';
import { PaymentWebhookSignatureError } from './errors.ts';
import type { PaymentProviderName } from './types.ts';

const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

export interface VerifySignatureOptions {
  provider: PaymentProviderName;
  secret: string;
  /** The header's value, or null when the request had none. */
  header: string | null;
  headerName: string;
  rawBody: string;
  toleranceSeconds?: number;
  /** Current time in unix seconds (injectable for tests). */
  now?: () => number;
}

const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    if (keys.size > 16) keys.clear(); // a handful of secrets per isolate; never grows unbounded
    keys.set(secret, key);
  }
  return key;
}

async function hmacHex(secret: string, payload: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), utf8(payload));
  return hexEncode(new Uint8Array(mac));
}

/** The header value for `rawBody` signed at `timestamp` (unix seconds). */
export async function signPayload(secret: string, rawBody: string, timestamp: number): Promise<string> {
  return `t=${timestamp},v1=${await hmacHex(secret, `${timestamp}.${rawBody}`)}`;
}

/** Verifies the header; returns the signed timestamp. Throws `PaymentWebhookSignatureError`. */
export async function verifySignature(opts: VerifySignatureOptions): Promise<number> {
  const reject = (reason: PaymentWebhookSignatureError['reason'], message: string) =>
    new PaymentWebhookSignatureError(opts.provider, reason, message);
  if (!opts.header) throw reject('missing_header', `missing ${opts.headerName} header`);

  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of opts.header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (timestamp === null || signatures.length === 0) {
    throw reject('malformed_header', `${opts.headerName} needs t=<unix seconds> and at least one v1=<hex sha256>`);
  }

  const now = (opts.now ?? (() => Math.floor(Date.now() / 1000)))();
  const tolerance = opts.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  if (Math.abs(now - timestamp) > tolerance) {
    throw reject(
      'timestamp_out_of_tolerance',
      `signature timestamp ${timestamp} is more than ${tolerance} s from now (${now})`,
    );
  }

  const expected = utf8(await hmacHex(opts.secret, `${timestamp}.${opts.rawBody}`));
  let matched = false;
  // Every candidate is compared (no early exit), each in constant time.
  for (const candidate of signatures) matched = timingSafeEqual(expected, utf8(candidate)) || matched;
  if (!matched) throw reject('no_matching_signature', 'no v1 signature matches the body and the endpoint secret');
  return timestamp;
}
