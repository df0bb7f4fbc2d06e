/**
 * Push endpoints are URLs the Worker POSTs to: only https on public hosts (no SSRF into
 * loopback, private networks or cloud metadata), at registration and again at send time. The
 * test stack's local push service (http on 127.0.0.1, PUSH_ALLOW_HTTP=true) works only because
 * the test deployment says so, never with ENVIRONMENT=production.
 */
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

import worker from '../../src/index.ts';
import { pushEndpointPolicy, refusedPushEndpoint } from '../../src/services/notifications/index.ts';
import { apiAs, jsonOf } from '../fixtures/index.ts';
import { problemOf } from './helpers.ts';
import { as, createTenant, registerUser, type TestUser } from './identity-helpers.ts';
import { consume, message, PUSH_SERVICE_URL, pushesTo, stored, subscribePush } from './notifications-helpers.ts';

const SUBS = '/api/v1/users/me/push-subscriptions';
const keys = { p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) };

const PRIVATE = [
  'https://127.0.0.1/push',
  'https://localhost/push',
  'https://[::1]/push',
  'https://169.254.169.254/latest/meta-data',
  'https://10.0.0.1/push',
  'https://192.168.1.1/push',
  'https://172.16.5.4/push',
  'https://100.64.0.1/push',
  'https://0.0.0.0/push',
  'https://224.0.0.1/push',
  'https://255.255.255.255/push',
  'https://metadata.google.internal/computeMetadata/v1/',
  'https://metadata/x',
  'https://printer.local/x',
  'https://router.home.arpa/x',
  'https://app.localhost/x',
  'https://localhost./x',
  // IPv4 spelled otherwise: decimal, hex, octal, short
  'https://2130706433/x',
  'https://0x7f000001/x',
  'https://0x7f.0.0.1/x',
  'https://0177.0.0.1/x',
  'https://127.1/x',
  'https://134744072/x', // 8.8.8.8, but written to slip past a filter
  // IPv6: mapped, compatible, ULA, link-local, site-local, multicast, NAT64, 6to4, Teredo, documentation
  'https://[::ffff:127.0.0.1]/x',
  'https://[::ffff:a9fe:a9fe]/x',
  'https://[::127.0.0.1]/x',
  'https://[fd00::1]/x',
  'https://[fe80::1]/x',
  'https://[fec0::1]/x',
  'https://[ff02::1]/x',
  'https://[64:ff9b::a9fe:a9fe]/x',
  'https://[2002:a9fe:a9fe::1]/x',
  'https://[2001:0:4136:e378::1]/x',
  'https://[2001:db8::1]/x',
  'https://[::]/x',
  // not https, odd ports, credentials
  'http://push.example.com/x',
  'https://fcm.googleapis.com:8443/x',
  'https://user:pw@fcm.googleapis.com/x',
  'ftp://fcm.googleapis.com/x',
];

const PUBLIC = [
  'https://fcm.googleapis.com/fcm/send/abc:def',
  'https://updates.push.services.mozilla.com/wpush/v2/gAAAA',
  'https://web.push.apple.com/QGx',
  'https://wns2-by3p.notify.windows.com/w/?token=x',
  'https://fcm.googleapis.com:443/x',
  'https://8.8.8.8/x',
  'https://[2606:4700:4700::1111]/x',
];

const production = { ...env, ENVIRONMENT: 'production' } as Cloudflare.Env;
/**
 * The production push policy (no PUSH_ALLOW_HTTP) through the whole Worker. Not ENVIRONMENT=production
 * itself: the configuration guard answers 503 to a production Worker with the test stack's settings.
 */
const noAllowance = { ...env, PUSH_ALLOW_HTTP: '' } as Cloudflare.Env;

async function registerWith(user: TestUser, endpoint: string, withEnv: Cloudflare.Env) {
  return worker.fetch(
    new Request(`http://localhost${SUBS}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint, keys }),
    }),
    withEnv,
    createExecutionContext(),
  );
}

describe('push endpoints: https on public hosts only', () => {
  it('the rule, case by case (production policy)', () => {
    const policy = pushEndpointPolicy(production);
    for (const endpoint of PRIVATE) expect(refusedPushEndpoint(endpoint, policy), endpoint).not.toBeNull();
    for (const endpoint of PUBLIC) expect(refusedPushEndpoint(endpoint, policy), endpoint).toBeNull();
    // PUSH_ALLOW_HTTP never applies in production; in tests it admits loopback, or exactly the listed origins.
    expect(pushEndpointPolicy({ ENVIRONMENT: 'production', PUSH_ALLOW_HTTP: 'true' })).toMatchObject({
      loopback: false,
    });
    const listed = pushEndpointPolicy({ ENVIRONMENT: 'test', PUSH_ALLOW_HTTP: 'http://127.0.0.1:9999' });
    expect(refusedPushEndpoint('http://127.0.0.1:9999/push/a', listed)).toBeNull();
    expect(refusedPushEndpoint('http://127.0.0.1:9998/push/a', listed)).not.toBeNull();
    expect(refusedPushEndpoint('http://localhost:9999/push/a', listed)).not.toBeNull();
    const loopback = pushEndpointPolicy({ ENVIRONMENT: 'test', PUSH_ALLOW_HTTP: 'true' });
    expect(refusedPushEndpoint('http://127.0.0.1:9999/push/a', loopback)).toBeNull();
    for (const endpoint of ['https://10.0.0.1/x', 'http://169.254.169.254/x', 'https://metadata.google.internal/x'])
      expect(refusedPushEndpoint(endpoint, loopback), endpoint).not.toBeNull();
  });

  it('registration refuses every private, loopback or non-public endpoint with a 400 naming body.endpoint', async () => {
    const user = await registerUser(await createTenant());
    for (const endpoint of PRIVATE) {
      const res = await registerWith(user, endpoint, noAllowance);
      expect(res.status, endpoint).toBe(400);
      expect((await problemOf(res)).errors?.[0]?.field, endpoint).toBe('body.endpoint');
    }
    // The test deployment admits its loopback push service, and still nothing private beyond it.
    for (const endpoint of ['https://10.0.0.1/x', 'http://169.254.169.254/latest', 'https://192.168.1.1/x']) {
      expect((await as(user, 'POST', SUBS, { endpoint, keys })).status, endpoint).toBe(400);
    }
    expect((await registerWith(user, `${PUSH_SERVICE_URL}/push/x`, noAllowance)).status).toBe(400);
    const ok = await registerWith(user, PUBLIC[0]!, noAllowance);
    expect(ok.status).toBe(201);
    const listed = await jsonOf(await apiAs(user).users.me['push-subscriptions'].$get(), 200);
    expect(listed.data.map((s) => s.endpoint)).toEqual([PUBLIC[0]]);
  });

  it('checked again at send time: an endpoint the deployment does not allow is removed unsent', async () => {
    const user = await registerUser(await createTenant());
    const { pushId } = await subscribePush(user); // admitted by the test deployment (loopback push service)
    const body = message(user, { channels: ['PUSH'], type: 'CUSTOM_NOTICE', title: 'x', message: 'y' });
    await consume([{ body }], { ...env, PUSH_ALLOW_HTTP: undefined } as Cloudflare.Env);
    expect(await pushesTo(pushId)).toEqual([]);
    expect((await stored(user.tenantId, body.eventId))!.channelStatus.PUSH).toMatchObject({
      status: 'SKIPPED',
      reason: 'endpoints-refused',
    });
    expect((await jsonOf(await apiAs(user).users.me['push-subscriptions'].$get(), 200)).data).toEqual([]);
  });
});
