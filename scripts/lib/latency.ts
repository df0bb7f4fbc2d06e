/**
 * Round-trip delay between the Worker and its stores, on a machine where they are all local:
 * Toxiproxy (Shopify's fault-injecting TCP proxy, built by scripts/build-toxiproxy.sh) sits in
 * front of each store the Worker reaches over the network (the PostgreSQL WebSocket proxy, the
 * Data API gateway, the payment provider) and delays every chunk of bytes.
 *
 * One round trip costs the RTT: half of it is added upstream (Worker to store), half downstream
 * (store to Worker). Toxiproxy's latency toxic delays each chunk by the given time counted from
 * when the chunk arrived, so bytes sent back to back are not delayed one after the other: the
 * link behaves like a long pipe, not a slow one. Connection setup through the proxy (TCP to the
 * local proxy) is free; what crosses it afterwards (WebSocket upgrade, PostgreSQL startup and
 * authentication, each HTTP request) pays.
 *
 * Kernel netem is not available on these machines and needs privileges; Toxiproxy needs neither.
 * Its HTTP API (v2.5) is driven here with fetch: `POST /proxies`, `POST /proxies/<name>/toxics`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { freePort } from './ports.ts';

const ROOT = join(import.meta.dirname, '../..');
export const TOXIPROXY_BINARY = join(ROOT, '.tools/bin/toxiproxy-server');
const BUILD_SCRIPT = join(ROOT, 'scripts/build-toxiproxy.sh');

export interface LatencyProxies {
  /** `host:port` (or `http://host:port` when `upstream` was a URL) that reaches `upstream` through the delay. */
  add(name: string, upstream: string): Promise<string>;
  /** Sets the round-trip time of every proxy (0 removes the delay). */
  setRtt(rttMs: number): Promise<void>;
  readonly rttMs: number;
  stop(): Promise<void>;
}

async function ensureBinary(): Promise<void> {
  if (existsSync(TOXIPROXY_BINARY)) return;
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${BUILD_SCRIPT} exited with ${code}`))));
  });
}

async function api(base: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`toxiproxy ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Starts toxiproxy-server on a free port; proxies added to it carry `rttMs` of round-trip delay. */
export async function startLatencyProxies(rttMs: number): Promise<LatencyProxies> {
  await ensureBinary();
  const port = await freePort();
  const child = spawn(TOXIPROXY_BINARY, ['-host', '127.0.0.1', '-port', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const output: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await fetch(`${base}/version`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`toxiproxy-server did not answer on ${port}\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  const names: string[] = [];
  let current = rttMs;
  const applyTo = async (name: string, rtt: number) => {
    // Half each way: a request and its answer together cost one RTT. An odd RTT rounds up upstream.
    const half = { upstream: Math.ceil(rtt / 2), downstream: Math.floor(rtt / 2) };
    for (const stream of ['upstream', 'downstream'] as const) {
      await api(base, `/proxies/${name}/toxics/rtt_${stream}`, { attributes: { latency: half[stream], jitter: 0 } });
    }
  };
  return {
    async add(name, upstream) {
      const url = /^https?:\/\//.test(upstream) ? new URL(upstream) : undefined;
      const target = url ? url.host : upstream;
      const proxy = (await api(base, '/proxies', { name, listen: '127.0.0.1:0', upstream: target, enabled: true })) as {
        listen: string;
      };
      for (const stream of ['upstream', 'downstream'] as const) {
        await api(base, `/proxies/${name}/toxics`, {
          name: `rtt_${stream}`,
          type: 'latency',
          stream,
          toxicity: 1,
          attributes: { latency: 0, jitter: 0 },
        });
      }
      names.push(name);
      await applyTo(name, current);
      if (!url) return proxy.listen;
      url.host = proxy.listen;
      return url.toString().replace(/\/$/, upstream.endsWith('/') ? '/' : '');
    },
    async setRtt(rtt) {
      current = rtt;
      for (const name of names) await applyTo(name, rtt);
    },
    get rttMs() {
      return current;
    },
    async stop() {
      process.off('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
