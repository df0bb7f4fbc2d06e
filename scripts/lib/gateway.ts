/**
 * Starts the Data API gateway (gateway/server.ts) in this process, for the test
 * global setup and the dev launcher. The Worker reaches it at `url` with `apiKey`.
 */
import { startGatewayServer } from '../../gateway/server.ts';

export interface StartGatewayOptions {
  mongoUri: string;
  /** The one accepted `api-key` (>= 16 characters). */
  apiKey: string;
  /** Default: a free port chosen by the OS. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** If set, requests must use this dataSource name. */
  dataSource?: string;
}

export interface RunningGateway {
  /** Base URL for the Data API client, e.g. http://127.0.0.1:41234 */
  url: string;
  stop(): Promise<void>;
}

export async function startGateway(opts: StartGatewayOptions): Promise<RunningGateway> {
  const server = await startGatewayServer({
    mongoUri: opts.mongoUri,
    apiKeys: [opts.apiKey],
    port: opts.port ?? 0,
    host: opts.host ?? '127.0.0.1',
    dataSource: opts.dataSource,
  });
  return { url: server.url, stop: () => server.close() };
}
