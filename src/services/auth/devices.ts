/**
 * Sign-ins from a new device or network. A device is a coarse fingerprint: the client's
 * network (IPv4 /24, IPv6 /48, from `CF-Connecting-IP`, which Cloudflare sets) and its
 * browser family + OS from the User-Agent. Known fingerprints live in the auth service's
 * Mongo collection `known_devices` (unique per tenant + user + fingerprint, changeset 011).
 * The first device of an account is not "new"; any later unseen fingerprint sends one
 * NEW_SIGN_IN (event id = the fingerprint, so the same device is announced once).
 */
import { sha256Hex } from '../../lib/bytes.ts';
import { errorFields } from '../../lib/logger.ts';
import type { ServiceContext } from '../context.ts';
import { notifySecurityEvent } from './security-events.ts';

export interface SignInClient {
  ip: string | null;
  userAgent: string | null;
}

function networkOf(ip: string | null): string {
  if (!ip) return 'unknown network';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  if (ip.includes(':')) {
    const groups = ip.split('::')[0]!.split(':').filter(Boolean);
    return `${groups.slice(0, 3).join(':')}::/48`;
  }
  return 'unknown network';
}

function deviceOf(ua: string | null): string {
  if (!ua) return 'unknown device';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : /curl\//.test(ua)
            ? 'curl'
            : 'other browser';
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /Android/.test(ua)
      ? 'Android'
      : /iPhone|iPad/.test(ua)
        ? 'iOS'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : 'other OS';
  return `${browser} on ${os}`;
}

/**
 * Records the sign-in's device; announces it when the account has signed in from others before.
 * Best effort: the sign-in has succeeded; a store failure is logged and never fails it. The
 * answer does not wait for it: the route runs it after the response (`afterResponse`).
 */
export async function recordSignIn(
  ctx: ServiceContext,
  input: { user: { id: string; tenantId: string }; client: SignInClient },
): Promise<{ newDevice: boolean }> {
  try {
    return await recordDevice(ctx, input.user, input.client);
  } catch (err) {
    ctx.logger.error('sign-in device not recorded', { userId: input.user.id, ...errorFields(err) });
    return { newDevice: false };
  }
}

async function recordDevice(
  ctx: ServiceContext,
  user: { id: string; tenantId: string },
  client: SignInClient,
): Promise<{ newDevice: boolean }> {
  const network = networkOf(client.ip);
  const device = deviceOf(client.userAgent);
  const fingerprint = (await sha256Hex(`${network}|${device}`)).slice(0, 32);
  const known = ctx.stores.mongo().collection('known_devices');
  const now = new Date();
  const res = await known.updateOne(
    { tenantId: user.tenantId, userId: user.id, fingerprint },
    {
      $set: { lastSeenAt: now },
      $setOnInsert: { tenantId: user.tenantId, userId: user.id, fingerprint, network, device, firstSeenAt: now },
    },
    { upsert: true },
  );
  if (res.upsertedId === undefined) return { newDevice: false };
  const others = await known.find(
    { tenantId: user.tenantId, userId: user.id, fingerprint: { $ne: fingerprint } },
    { projection: { _id: 1 }, limit: 1 },
  );
  if (others.length === 0) return { newDevice: false };
  await notifySecurityEvent(ctx, {
    tenantId: user.tenantId,
    userId: user.id,
    type: 'NEW_SIGN_IN',
    key: `${user.id}:${fingerprint}`,
    data: { network, device },
  });
  return { newDevice: true };
}

export function signInClient(header: (name: string) => string | undefined): SignInClient {
  return { ip: header('cf-connecting-ip') ?? null, userAgent: header('user-agent')?.slice(0, 500) ?? null };
}
