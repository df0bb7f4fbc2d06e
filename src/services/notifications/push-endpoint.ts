/**
 * Which push endpoints the Worker may POST to. A subscription's endpoint is a URL chosen by the
 * client, so without rules it is a server-side request forgery lever (the Worker POSTing to
 * 169.254.169.254, 127.0.0.1, 10.0.0.1, metadata.google.internal...). Only `https` endpoints on
 * public hosts, default port, no credentials:
 *
 * - IP literals (any spelling: `new URL` turns 2130706433, 0x7f.1 and 0177.0.0.1 into
 *   127.0.0.1, and ::ffff:127.0.0.1 into [::ffff:7f00:1]) must be public unicast: no private,
 *   loopback, link-local, CGNAT, benchmarking, documentation, multicast or reserved IPv4; no
 *   IPv6 loopback, unspecified, ULA, link-local, site-local, multicast, IPv4-mapped/compatible,
 *   NAT64, 6to4, Teredo or documentation. An IPv4 written other than as four decimals is refused
 *   as such (it only ever serves to slip past a filter).
 * - Host names must have a public suffix: no single label (`localhost`, `metadata`), nor a
 *   special-use or private-use name (`.localhost`, `.local`, `.internal`, `.home.arpa`, `.test`...).
 *
 * Checked when a subscription is registered and again before each send (an endpoint stored
 * before these rules, or allowed by a setting since removed, is dropped unsent). A host name
 * whose DNS answer is private is not resolved here (Workers have no resolver API); Cloudflare's
 * edge does not route a Worker's fetch into private networks. Redirects are not followed.
 *
 * Development and tests only (never with ENVIRONMENT=production): `PUSH_ALLOW_HTTP` lets a local
 * push service through: `true` admits http or https on loopback hosts (127.0.0.0/8, [::1],
 * localhost); a comma-separated list of origins admits exactly those origins.
 */
import type { Env } from '../../env.ts';

export interface PushEndpointPolicy {
  /** Loopback endpoints (http too) allowed: a local push service (development, tests). */
  loopback: boolean;
  /** Exact origins allowed besides the public rule (development, tests). */
  origins: ReadonlySet<string>;
}

export function pushEndpointPolicy(env: Pick<Env, 'ENVIRONMENT' | 'PUSH_ALLOW_HTTP'>): PushEndpointPolicy {
  const setting = env.ENVIRONMENT === 'production' ? '' : (env.PUSH_ALLOW_HTTP ?? '').trim();
  if (setting === 'true') return { loopback: true, origins: new Set() };
  const origins = new Set<string>();
  for (const item of setting.split(',')) {
    try {
      if (item.trim()) origins.add(new URL(item.trim()).origin);
    } catch {
      // not a URL: admits nothing
    }
  }
  return { loopback: false, origins };
}

function ipv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

/** Public unicast IPv4 (IANA special-purpose registry ranges refused). */
function isPublicIpv4([a, b, c]: number[]): boolean {
  if (a === 0 || a === 10 || a === 127 || a! >= 224) return false; // this network, private, loopback, multicast, reserved
  if (a === 100 && b! >= 64 && b! <= 127) return false; // CGNAT 100.64/10
  if (a === 169 && b === 254) return false; // link-local (cloud metadata)
  if (a === 172 && b! >= 16 && b! <= 31) return false; // private
  if (a === 192 && b === 168) return false; // private
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF assignments, TEST-NET-1
  if (a === 192 && b === 88 && c === 99) return false; // 6to4 relay anycast
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  if (a === 198 && b === 51 && c === 100) return false; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return false; // TEST-NET-3
  return true;
}

/** The eight 16-bit groups of an IPv6 address (as `new URL` prints it, or with a dotted tail), or null. */
function ipv6Groups(text: string): number[] | null {
  let host = text.toLowerCase();
  const dotted = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(host);
  if (dotted) {
    const v4 = ipv4(dotted[1]!);
    if (!v4) return null;
    host =
      host.slice(0, -dotted[1]!.length) +
      `${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = host.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) => (s ? s.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)) : []);
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.some(Number.isNaN) ? null : groups;
}

/** Public unicast IPv6: inside 2000::/3 and none of its special-purpose blocks. */
function isPublicIpv6(g: number[]): boolean {
  const [g0, g1] = g as [number, number];
  if ((g0 & 0xe000) !== 0x2000) return false; // ::, ::1, mapped/compatible, 64:ff9b::, fc00::/7, fe80::/10, ff00::/8 ...
  if (g0 === 0x2001 && g1 < 0x0200) return false; // 2001::/23 IETF protocol assignments (Teredo 2001::/32 included)
  if (g0 === 0x2001 && g1 === 0x0db8) return false; // documentation
  if (g0 === 0x2002) return false; // 6to4: carries an IPv4 address, maybe a private one
  if (g0 === 0x3fff && g1 < 0x1000) return false; // documentation 3fff::/20
  return true;
}

/** Special-use and private-use names (RFC 6761, RFC 8375, RFC 9476, ICANN's .internal) and common private suffixes. */
const NON_PUBLIC_SUFFIXES = [
  'localhost',
  'local',
  'internal',
  'intranet',
  'private',
  'corp',
  'home',
  'lan',
  'localdomain',
  'home.arpa',
  'arpa',
  'test',
  'invalid',
  'example',
  'onion',
  'alt',
];

const isLoopbackHost = (host: string, v4: number[] | null, v6: number[] | null) =>
  host === 'localhost' ||
  host.endsWith('.localhost') ||
  (v4 !== null && v4[0] === 127) ||
  (v6 !== null && v6.slice(0, 7).every((x) => x === 0) && v6[7] === 1);

/** Why the Worker must not POST to `endpoint`, or null when it may. */
export function refusedPushEndpoint(endpoint: string, policy: PushEndpointPolicy): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'must be an https URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL';
  if (policy.origins.has(url.origin)) return null;
  if (url.username || url.password) return 'must not carry credentials';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const bracketed = host.startsWith('[') && host.endsWith(']');
  const v6 = bracketed ? ipv6Groups(host.slice(1, -1)) : null;
  const v4 = bracketed ? null : ipv4(host);
  if (policy.loopback && isLoopbackHost(host, v4, v6)) return null;
  if (url.protocol !== 'https:') return 'must be an https URL';
  if (url.port && url.port !== '443') return 'must use the default https port';
  if (bracketed) return v6 && isPublicIpv6(v6) ? null : 'must be on a public host';
  if (v4) {
    // The parser normalised other spellings (decimal, hex, octal, short forms) to dotted decimal.
    const written = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#:]*)/i.exec(endpoint.trim())?.[1]?.toLowerCase();
    if (written?.replace(/\.$/, '') !== host) return 'must not write an IP address in another form than four decimals';
    return isPublicIpv4(v4) ? null : 'must be on a public host';
  }
  if (!host.includes('.')) return 'must be on a public host';
  if (NON_PUBLIC_SUFFIXES.some((s) => host === s || host.endsWith(`.${s}`))) return 'must be on a public host';
  return null;
}
