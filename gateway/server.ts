/**
 * Data API v1 gateway server: `node gateway/server.ts` (or `npm run gateway`).
 *
 * Env:
 *   MONGODB_URI           required, e.g. mongodb://127.0.0.1:27017/ or an Atlas SRV URI
 *   GATEWAY_API_KEYS      required, comma-separated accepted `api-key` values (>= 16 chars each)
 *   PORT                  default 8788
 *   HOST                  default 127.0.0.1
 *   GATEWAY_DATA_SOURCE   optional: only accept this `dataSource` name
 *   GATEWAY_DATABASES     optional: comma-separated allowlist of databases
 *
 * Also importable: `startGatewayServer()` runs the same server in-process
 * (scripts/lib/gateway.ts wraps it for tests and the dev launcher).
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import { MongoClient } from 'mongodb';
import type { MongoClientOptions } from 'mongodb';

import { createGatewayApp } from './app.ts';
import type { GatewayOptions } from './app.ts';

export interface GatewayServerOptions extends Omit<GatewayOptions, 'client'> {
  mongoUri: string;
  /** 0 = any free port (the default). */
  port?: number;
  host?: string;
  mongoClientOptions?: MongoClientOptions;
}

export interface GatewayServer {
  /** e.g. http://127.0.0.1:8788 (use as the Data API client's baseUrl). */
  url: string;
  port: number;
  client: MongoClient;
  /** Stops accepting requests, closes open connections and the MongoDB client. */
  close(): Promise<void>;
}

export async function startGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const { mongoUri, port = 0, host = '127.0.0.1', mongoClientOptions, ...appOptions } = options;
  const client = new MongoClient(mongoUri, {
    serverSelectionTimeoutMS: 5000,
    appName: 'data-api-gateway',
    ...mongoClientOptions,
  });
  await client.connect();
  let server: ServerType;
  try {
    const app = createGatewayApp({ ...appOptions, client });
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(s));
      s.once('error', reject);
    });
  } catch (err) {
    await client.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    client,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // http.Server: drop keep-alive sockets so close() does not wait for them.
          const s = server as { closeAllConnections?: () => void };
          s.closeAllConnections?.();
        });
        await client.close();
      })();
      return closing;
    },
  };
}

function listEnv(name: string): string[] | undefined {
  const v = process.env[name];
  if (!v) return undefined;
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? list : undefined;
}

/** Runs the gateway from the environment (see the header); `gateway/main.ts` is the bundle's entry. */
export async function main(): Promise<void> {
  const mongoUri = process.env.MONGODB_URI;
  const apiKeys = listEnv('GATEWAY_API_KEYS');
  if (!mongoUri || !apiKeys) {
    console.error('gateway: MONGODB_URI and GATEWAY_API_KEYS (comma-separated) are required');
    process.exit(2);
  }
  const port = Number(process.env.PORT ?? 8788);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`gateway: invalid PORT ${process.env.PORT}`);
    process.exit(2);
  }
  const gw = await startGatewayServer({
    mongoUri,
    apiKeys,
    port,
    host: process.env.HOST || '127.0.0.1',
    dataSource: process.env.GATEWAY_DATA_SOURCE || undefined,
    databases: listEnv('GATEWAY_DATABASES'),
  });
  console.log(`data-api gateway listening on ${gw.url}`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`gateway: ${signal}, shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    gw.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('gateway: error during shutdown', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error('gateway: failed to start:', err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
