/**
 * A local Web Push service (RFC 8030) for tests and development. It plays both the browser and
 * the push service: `POST /subscribe` creates a subscription the way `PushManager.subscribe`
 * does (a fresh P-256 key pair and auth secret; the private half stays here) and returns
 * `{ endpoint, keys: { p256dh, auth } }`. A push to the endpoint is accepted only with a valid
 * VAPID authorization (RFC 8292: ES256 JWT with aud = this origin, exp within 24 h, a
 * mailto:/https: sub, signed by `k`, which must equal the applicationServerKey given at
 * subscribe time when one was) and an `aes128gcm` body it can decrypt (RFC 8291); the
 * decrypted payload is stored for `GET /messages/{id}`.
 * Test controls: `POST /expire/{id}` (later pushes get 410), `POST /fail/{id}?count=N` (500s).
 */
import {
  createDecipheriv,
  createECDH,
  createHmac,
  createPublicKey,
  randomBytes,
  randomUUID,
  verify,
} from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

interface Subscription {
  ecdh: ReturnType<typeof createECDH>;
  publicKey: Buffer;
  auth: Buffer;
  applicationServerKey: string | null;
  expired: boolean;
  failNext: number;
  messages: { payload: unknown; headers: Record<string, string>; receivedAt: string }[];
}

export interface LocalPushService {
  url: string;
  stop(): Promise<void>;
}

const b64u = (b: Buffer) => b.toString('base64url');
const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();
/** HKDF with one expand block (lengths <= 32). */
const hkdf = (salt: Buffer, ikm: Buffer, info: Buffer, length: number) =>
  hmac(hmac(salt, ikm), Buffer.concat([info, Buffer.from([1])])).subarray(0, length);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Checks the VAPID header; returns an error text or null. */
function checkVapid(header: string | undefined, origin: string, sub: Subscription): string | null {
  const m = /^vapid\s+t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!m) return 'missing or malformed vapid authorization';
  const [, jwt, k] = m as unknown as [string, string, string];
  if (sub.applicationServerKey && sub.applicationServerKey !== k)
    return 'k is not the applicationServerKey of the subscription';
  const raw = Buffer.from(k, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) return 'k is not an uncompressed P-256 key';
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33)) },
    format: 'jwk',
  });
  const [h, p, s] = jwt.split('.');
  if (!h || !p || !s) return 'malformed JWT';
  const headerJson = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
  if (headerJson.alg !== 'ES256') return 'JWT alg must be ES256';
  if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url')))
    return 'bad JWT signature';
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { aud?: string; exp?: number; sub?: string };
  const now = Math.floor(Date.now() / 1000);
  if (claims.aud !== origin) return `aud ${claims.aud} is not ${origin}`;
  if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + 86_400)
    return 'exp missing, past, or more than 24 h ahead';
  if (!/^(mailto:|https:)/.test(claims.sub ?? '')) return 'sub must be a mailto: or https: URI';
  return null;
}

/** RFC 8291 / 8188 decryption of a single-record aes128gcm body. */
function decrypt(body: Buffer, sub: Subscription): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  if (idlen !== 65 || record.length > rs) throw new Error('bad aes128gcm header');
  const ecdhSecret = sub.ecdh.computeSecret(asPublic);
  const ikm = hkdf(sub.auth, ecdhSecret, Buffer.concat([Buffer.from('WebPush: info\0'), sub.publicKey, asPublic]), 32);
  const cek = hkdf(salt, ikm, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(salt, ikm, Buffer.from('Content-Encoding: nonce\0'), 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('last record must end with the 0x02 delimiter');
  return padded.subarray(0, end);
}

export async function startPushService(): Promise<LocalPushService> {
  const subs = new Map<string, Subscription>();
  let origin = '';
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    try {
      const url = new URL(req.url ?? '/', origin);
      const [, action, id] = url.pathname.split('/');
      const body = await readBody(req);
      if (req.method === 'POST' && action === 'subscribe') {
        const ecdh = createECDH('prime256v1');
        ecdh.generateKeys();
        const subId = randomUUID();
        const opts = body.length ? (JSON.parse(body.toString()) as { applicationServerKey?: string }) : {};
        const sub: Subscription = {
          ecdh,
          publicKey: ecdh.getPublicKey(),
          auth: randomBytes(16),
          applicationServerKey: opts.applicationServerKey ?? null,
          expired: false,
          failNext: 0,
          messages: [],
        };
        subs.set(subId, sub);
        return json(201, {
          endpoint: `${origin}/push/${subId}`,
          keys: { p256dh: b64u(sub.publicKey), auth: b64u(sub.auth) },
        });
      }
      const sub = id ? subs.get(id) : undefined;
      if (!sub) return json(404, { error: 'no such subscription' });
      if (req.method === 'POST' && action === 'push') {
        if (sub.expired) return json(410, { error: 'subscription expired' });
        if (sub.failNext > 0) {
          sub.failNext--;
          return json(500, { error: 'induced failure' });
        }
        const vapidError = checkVapid(req.headers.authorization, origin, sub);
        if (vapidError) return json(403, { error: vapidError });
        if (req.headers['content-encoding'] !== 'aes128gcm')
          return json(415, { error: 'content-encoding must be aes128gcm' });
        if (!req.headers.ttl) return json(400, { error: 'TTL header required' });
        let payload: unknown;
        try {
          payload = JSON.parse(decrypt(body, sub).toString('utf8'));
        } catch (err) {
          return json(400, { error: `cannot decrypt: ${(err as Error).message}` });
        }
        const messageId = randomUUID();
        sub.messages.push({
          payload,
          headers: {
            ttl: String(req.headers.ttl),
            urgency: String(req.headers.urgency ?? ''),
            topic: String(req.headers.topic ?? ''),
          },
          receivedAt: new Date().toISOString(),
        });
        return json(201, { id: messageId }, { location: `${origin}/message/${messageId}` });
      }
      if (req.method === 'GET' && action === 'messages') return json(200, sub.messages);
      if (req.method === 'POST' && action === 'expire') {
        sub.expired = true;
        return json(200, { ok: true });
      }
      if (req.method === 'POST' && action === 'fail') {
        sub.failNext = Number(url.searchParams.get('count') ?? 1);
        return json(200, { ok: true });
      }
      return json(404, { error: 'not found' });
    } catch (err) {
      json(500, { error: (err as Error).message });
    }
  };
  // `handle` answers its own failures (the catch above), so nothing is left to await here.
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url: origin, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
