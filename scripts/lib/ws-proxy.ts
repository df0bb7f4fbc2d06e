/**
 * WebSocket-to-TCP proxy for local PostgreSQL, the counterpart of Neon's own proxy.
 * The Worker's Neon driver (`neonConfig.wsProxy`) opens `ws://HOST:PORT/v1?address=db:5432`
 * and speaks the Postgres wire protocol through it. Only loopback targets are allowed.
 * PostgreSQL closes the connection after the client's Terminate message; that close ends
 * the WebSocket (workerd does not close the WebSocket of a finished request itself).
 */
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { WebSocketServer } from 'ws';

const ALLOWED_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

export interface WsProxy {
  url: string;
  hostPort: string;
  stop(): Promise<void>;
}

export async function startWsProxy(opts: { port?: number; host?: string } = {}): Promise<WsProxy> {
  const host = opts.host ?? '127.0.0.1';
  const server: Server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket upgrade required');
  });
  const wss = new WebSocketServer({ server });

  wss.on('connection', (ws, req) => {
    const address = new URL(req.url ?? '/', 'http://proxy').searchParams.get('address') ?? '';
    const sep = address.lastIndexOf(':');
    const targetHost = address.slice(0, sep);
    const targetPort = Number(address.slice(sep + 1));
    if (sep < 0 || !ALLOWED_HOSTS.has(targetHost) || !Number.isInteger(targetPort)) {
      ws.close(1008, 'address not allowed');
      return;
    }
    const socket = connect({ host: targetHost, port: targetPort });
    socket.setNoDelay(true);
    const pending: Buffer[] = [];
    let connected = false;
    socket.on('connect', () => {
      connected = true;
      for (const chunk of pending.splice(0)) socket.write(chunk);
    });
    socket.on('data', (data) => ws.readyState === ws.OPEN && ws.send(data));
    socket.on('error', () => ws.close(1011, 'upstream error'));
    socket.on('close', () => ws.readyState === ws.OPEN && ws.close());
    ws.on('message', (data) => {
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (connected) socket.write(chunk);
      else pending.push(chunk);
    });
    ws.on('close', () => socket.destroy());
    ws.on('error', () => socket.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `ws://${host}:${port}`,
    hostPort: `${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}
