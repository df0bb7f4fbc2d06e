/**
 * Web Push on WebCrypto: message encryption (RFC 8291, `aes128gcm` content coding of RFC 8188)
 * and VAPID (RFC 8292) authorization, for a push service speaking RFC 8030.
 */
import { importJWK, SignJWT } from 'jose';

import { base64UrlDecode, base64UrlEncode, randomBytes, utf8 } from '../../../lib/bytes.ts';

export interface PushKeys {
  /** The user agent's P-256 public key, uncompressed point, base64url (65 bytes). */
  p256dh: string;
  /** The authentication secret, base64url (16 bytes). */
  auth: string;
}

export interface Vapid {
  /** Uncompressed P-256 public key, base64url: the browser's applicationServerKey. */
  publicKey: string;
  /** The private scalar `d`, base64url. */
  privateKey: string;
  /** `mailto:` or `https:` contact of the sender. */
  subject: string;
}

const RECORD_SIZE = 4096;

/** WebCrypto's ECDH parameter is `public`; workers-types spells it `$public`. */
const ecdhWith = (key: CryptoKey) => ({ name: 'ECDH', public: key }) as unknown as SubtleCryptoDeriveKeyAlgorithm;

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function hkdf(
  salt: Uint8Array<ArrayBuffer>,
  ikm: Uint8Array<ArrayBuffer>,
  info: Uint8Array<ArrayBuffer>,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, length * 8));
}

/** One aes128gcm record: salt(16) | rs(4) | idlen(1) | keyid(65: our ephemeral public key) | ciphertext. */
export async function encryptPayload(plaintext: Uint8Array, keys: PushKeys): Promise<Uint8Array<ArrayBuffer>> {
  const uaPublic = base64UrlDecode(keys.p256dh);
  const authSecret = base64UrlDecode(keys.auth);
  if (uaPublic.length !== 65 || uaPublic[0] !== 4) throw new Error('p256dh is not an uncompressed P-256 point');
  if (authSecret.length !== 16) throw new Error('auth secret is not 16 bytes');
  if (plaintext.length > RECORD_SIZE - 17 - 86) throw new Error('push payload too large');
  const uaKey = await crypto.subtle.importKey('raw', uaPublic, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const ephemeral = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, [
    'deriveBits',
  ])) as CryptoKeyPair;
  const asPublic = new Uint8Array((await crypto.subtle.exportKey('raw', ephemeral.publicKey)) as ArrayBuffer);
  const ecdhSecret = new Uint8Array(await crypto.subtle.deriveBits(ecdhWith(uaKey), ephemeral.privateKey, 256));
  const ikm = await hkdf(authSecret, ecdhSecret, concat(utf8('WebPush: info\0'), uaPublic, asPublic), 32);
  const salt = randomBytes(16);
  const cek = await hkdf(salt, ikm, utf8('Content-Encoding: aes128gcm\0'), 16);
  const nonce = await hkdf(salt, ikm, utf8('Content-Encoding: nonce\0'), 12);
  const key = await crypto.subtle.importKey('raw', cek, 'AES-GCM', false, ['encrypt']);
  // The single (last) record ends with the 0x02 padding delimiter.
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce }, key, concat(plaintext, new Uint8Array([2]))),
  );
  const header = new Uint8Array(21);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header.set(salt, 0);
  header[20] = asPublic.length;
  return concat(header, asPublic, ciphertext);
}

const signingKeys = new Map<string, Promise<CryptoKey | Uint8Array>>();

function vapidSigningKey(vapid: Vapid) {
  let key = signingKeys.get(vapid.privateKey);
  if (!key) {
    const pub = base64UrlDecode(vapid.publicKey);
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: base64UrlEncode(pub.slice(1, 33)),
      y: base64UrlEncode(pub.slice(33, 65)),
      d: vapid.privateKey,
    };
    key = importJWK(jwk, 'ES256');
    signingKeys.set(vapid.privateKey, key);
  }
  return key;
}

/** `Authorization: vapid t=<JWT>, k=<public key>` for the push service at `endpoint`'s origin. */
export async function vapidAuthorization(endpoint: string, vapid: Vapid, ttlSeconds = 12 * 3600): Promise<string> {
  const jwt = await new SignJWT({})
    .setProtectedHeader({ typ: 'JWT', alg: 'ES256' })
    .setAudience(new URL(endpoint).origin)
    .setSubject(vapid.subject)
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(await vapidSigningKey(vapid));
  return `vapid t=${jwt}, k=${vapid.publicKey}`;
}
