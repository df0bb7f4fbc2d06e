/**
 * A local SMS provider with Twilio's Messages API shape, for tests and development:
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP basic auth
 * (AccountSid:AuthToken) and a form body `To` (E.164), `From`, `Body` (1..1600 chars) answers
 * 201 `{ sid, status: "queued", ... }` like Twilio, 401/400 like Twilio otherwise (error
 * `code`/`message`). A repeated `I-Twilio-Idempotency-Token` returns the first message.
 * Test controls: `GET /test/messages?to=` lists every accepted request (a replayed idempotency
 * token is listed again with `replay: true`, so tests can count what was sent); `POST /test/fail?to=&count=`
 * makes the next N messages to that number answer 500.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface LocalSmsProvider {
  url: string;
  accountSid: string;
  authToken: string;
  from: string;
  stop(): Promise<void>;
}

interface Sent {
  sid: string;
  to: string;
  from: string;
  body: string;
  idempotencyToken: string | null;
  dateCreated: string;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

export async function startSmsProvider(): Promise<LocalSmsProvider> {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const from = '+15005550006';
  const sent: Sent[] = [];
  const requests: (Sent & { replay: boolean })[] = [];
  const failures = new Map<string, number>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const url = new URL(req.url ?? '/', 'http://local');
    const body = await readBody(req);
    if (req.method === 'GET' && url.pathname === '/test/messages') {
      const to = url.searchParams.get('to');
      return json(
        200,
        requests.filter((m) => !to || m.to === to),
      );
    }
    if (req.method === 'POST' && url.pathname === '/test/fail') {
      failures.set(url.searchParams.get('to') ?? '', Number(url.searchParams.get('count') ?? 1));
      return json(200, { ok: true });
    }
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
    if (req.method !== 'POST' || !m)
      return json(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    if (req.headers.authorization !== expected || m[1] !== accountSid)
      return json(401, { code: 20003, message: 'Authenticate', status: 401 });
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return json(400, { code: 21601, message: 'Form body expected', status: 400 });
    }
    const form = new URLSearchParams(body);
    const to = form.get('To') ?? '';
    const text = form.get('Body') ?? '';
    if (!/^\+[1-9]\d{6,14}$/.test(to))
      return json(400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 });
    if (form.get('From') !== from) return json(400, { code: 21212, message: 'Invalid From number', status: 400 });
    if (text.length < 1 || text.length > 1600)
      return json(400, { code: 21617, message: 'Body must be 1..1600 characters', status: 400 });
    const left = failures.get(to) ?? 0;
    if (left > 0) {
      failures.set(to, left - 1);
      return json(500, { code: 20500, message: 'Internal Server Error (induced)', status: 500 });
    }
    const token = (req.headers['i-twilio-idempotency-token'] as string | undefined) ?? null;
    const earlier = token ? sent.find((s) => s.idempotencyToken === token) : undefined;
    const msg = earlier ?? {
      sid: `SM${randomBytes(16).toString('hex')}`,
      to,
      from,
      body: text,
      idempotencyToken: token,
      dateCreated: new Date().toUTCString(),
    };
    if (!earlier) sent.push(msg);
    requests.push({ ...msg, replay: !!earlier });
    return json(201, {
      sid: msg.sid,
      account_sid: accountSid,
      to,
      from,
      body: text,
      status: 'queued',
      date_created: msg.dateCreated,
    });
  };
  // A failure inside `handle` (a body that cannot be read) answers 500 instead of leaving the
  // request hanging and the rejection unhandled (which stops the whole dev stack).
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 20500, message: String(err), status: 500 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    accountSid,
    authToken,
    from,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
