/**
 * The commands of the order-lifecycle property test and the little the model knows: what the
 * API answered. The system is real and concurrent (the saga runs in its Durable Object while
 * the commands arrive), so the model does not predict statuses; it records the answers that
 * commit the system to something (a cancel answered 202, a move answered 200, a refund
 * answered 201) and the invariants (order-lifecycle-invariants.ts) hold the end state to them.
 *
 * Every command is always applicable: a refund before the payment exists, a move of a
 * PENDING order, a cancel of a shipped one are all things clients do; each must get a
 * legitimate answer (never a 5xx), listed per command below.
 */
import { abortAllDurableObjects, evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import fc from 'fast-check';

import {
  signTestWebhook,
  TEST_SIGNATURE_HEADER,
  testWebhookBody,
} from '../../src/services/payments/providers/index.ts';
import { send } from './catalog-helpers.ts';
import { ORDERS } from './checkout-helpers.ts';
import { call } from './helpers.ts';
import {
  faults,
  money,
  observe,
  placeOrder,
  quiesce,
  SAGA_AT_REST,
  sagaStub,
  sendRetrying,
  sleep,
  type Observation,
  type Real,
  type Shop,
} from './order-lifecycle-harness.ts';
import { checkOrder } from './order-lifecycle-invariants.ts';

export interface Model {
  /** 'accepted': a cancel answered 202; 'unknown': one answered 503 (it may have been recorded). */
  cancel: 'none' | 'accepted' | 'unknown';
  /** Staff moves answered 200. */
  moved: string[];
  /** Refunds answered 201: id -> amount (minor units). */
  refunds: Map<string, number>;
  /** A provider `charge.refunded` webhook for the whole amount was applied. */
  externalRefund: boolean;
  /**
   * A fault was injected that makes an undo impossible (none of today's generators does:
   * the test provider's void and refund always succeed). Only then may a saga end
   * COMPENSATION_FAILED (or FAILED), and it must then be visible in saga_executions.
   */
  undoImpossible: boolean;
  /** What was sent and answered, for the failure message. */
  log: string[];
}

export const initialModel = (): Model => ({
  cancel: 'none',
  moved: [],
  refunds: new Map(),
  externalRefund: false,
  undoImpossible: false,
  log: [],
});

export type OrderCommand = fc.AsyncCommand<Model, Real>;

/** Fails the sequence when an answer is not one of the legitimate ones. */
async function expectStatus(model: Model, what: string, res: Response, allowed: number[]): Promise<unknown> {
  const text = await res.text();
  model.log.push(`${what} -> ${res.status}`);
  if (!allowed.includes(res.status))
    throw new Error(`answer: ${what} answered ${res.status}, expected one of ${allowed.join('/')}: ${text}`);
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

abstract class Base implements OrderCommand {
  check(): boolean {
    return true;
  }
  abstract run(m: Model, r: Real): Promise<void>;
  abstract toString(): string;
}

export class Pause extends Base {
  constructor(readonly ms: number) {
    super();
  }
  async run(): Promise<void> {
    await sleep(this.ms);
  }
  toString() {
    return `new Pause(${this.ms})`;
  }
}

/**
 * Waits (up to 10 s) until the saga reaches a point: 'step' (a step done), 'COMPLETED' (saved,
 * usually not yet mirrored) or 'rest' (terminal and mirrored: the order row shows it). Lands the next command at that moment.
 */
export class AwaitSaga extends Base {
  constructor(readonly point: 'step' | 'COMPLETED' | 'rest') {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const { state, mirrored } = await sagaStub(r.orderId)
        .status()
        .catch(() => ({ state: null, mirrored: false }));
      const status = state?.status ?? '';
      if (this.point === 'step' && (state?.completedSteps.length ?? 0) > 0) break;
      if (this.point === 'COMPLETED' && status === 'COMPLETED') break;
      if (SAGA_AT_REST.includes(status) && (this.point !== 'rest' || mirrored)) break;
      await sleep(5);
    }
    m.log.push(this.toString());
  }
  toString() {
    return `new AwaitSaga('${this.point}')`;
  }
}

/** The owner (or an ADMIN) cancels: 202, or 409 when the order is past cancelling. */
export class Cancel extends Base {
  constructor(readonly by: 'owner' | 'admin') {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    const who = this.by === 'owner' ? r.shop.user : r.shop.admin;
    const res = await send(who, 'POST', `${ORDERS}/${r.orderId}/cancel`, { body: { reason: 'property test' } });
    await expectStatus(m, this.toString(), res, [202, 409, 503]);
    if (res.status === 202) m.cancel = 'accepted';
    else if (res.status === 503 && m.cancel === 'none') m.cancel = 'unknown';
  }
  toString() {
    return `new Cancel('${this.by}')`;
  }
}

/** Staff move the order one step with the version they just read: 200, 409 (not from there), 412 (it moved meanwhile). */
export class Move extends Base {
  constructor(readonly target: 'PROCESSING' | 'SHIPPED' | 'DELIVERED') {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    const read = await sendRetrying(r.shop.manager, 'GET', `${ORDERS}/${r.orderId}`);
    await expectStatus(m, `read before ${this}`, read, [200]);
    const res = await send(r.shop.manager, 'PATCH', `${ORDERS}/${r.orderId}/status`, {
      body: { status: this.target },
      headers: { 'if-match': read.headers.get('etag') ?? '*' },
    });
    await expectStatus(m, this.toString(), res, [200, 409, 412]);
    if (res.status === 200) m.moved.push(this.target);
  }
  toString() {
    return `new Move('${this.target}')`;
  }
}

export type RefundAmount = 'full' | 'partial' | 'cent' | 'over';
export type RefundKey = 'fresh' | 'repeat' | 'internal';

/** A MANAGER refunds: 201, 409 (nothing captured, or all refunded), 422 (too much, or a key reused with another body). */
export class Refund extends Base {
  constructor(
    readonly amount: RefundAmount,
    readonly key: RefundKey,
  ) {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    const found = await sendRetrying(r.shop.manager, 'GET', `${ORDERS}/${r.orderId}/payment`);
    const payment = (await expectStatus(m, `payment before ${this}`, found, [200, 404])) as { id: string } | null;
    if (found.status === 404 || !payment) return;
    const amount = {
      full: undefined,
      partial: money(Math.max(1, Math.floor(r.totalMinor / 3))),
      cent: '0.01',
      over: money(r.totalMinor + 1),
    }[this.amount];
    const last = [...r.refundKeys.keys()].at(-1);
    const key =
      this.key === 'internal'
        ? `order:${r.orderId}:compensation`
        : this.key === 'repeat' && last
          ? last
          : `refund-${crypto.randomUUID()}`;
    r.refundKeys.set(key, amount);
    const res = await send(r.shop.manager, 'POST', `/api/v1/payments/${payment.id}/refunds`, {
      body: amount === undefined ? {} : { amount },
      headers: { 'idempotency-key': key },
    });
    const body = (await expectStatus(m, `${this} key=${key}`, res, [201, 409, 422])) as {
      id: string;
      amount: string;
      status: string;
    } | null;
    if (res.status === 201 && body && body.status === 'SUCCEEDED')
      m.refunds.set(body.id, Math.round(Number(body.amount) * 100));
  }
  toString() {
    return `new Refund('${this.amount}', '${this.key}')`;
  }
}

export type WebhookKind = 'refunded' | 'succeeded' | 'replay';

/** The provider reports on the payment (signed): always 200, a replay changes nothing. */
export class Webhook extends Base {
  constructor(readonly kind: WebhookKind) {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    const found = await sendRetrying(r.shop.manager, 'GET', `${ORDERS}/${r.orderId}/payment`);
    const payment = (await expectStatus(m, `payment before ${this}`, found, [200, 404])) as {
      gatewayTransactionId: string | null;
      amount: string;
    } | null;
    if (!payment?.gatewayTransactionId) return;
    const amount = Math.round(Number(payment.amount) * 100);
    const metadata = { orderId: r.orderId, tenantId: r.shop.tenantId };
    const event = {
      id: this.kind === 'replay' ? `evt_replay_${r.orderId}` : `evt_${crypto.randomUUID()}`,
      type: this.kind === 'succeeded' ? 'payment_intent.succeeded' : 'charge.refunded',
      transactionId: payment.gatewayTransactionId,
      object: this.kind === 'succeeded' ? { metadata, amount } : { metadata, amount, amount_refunded: amount },
    };
    const body = testWebhookBody(event);
    const res = await call('/api/v1/payments/webhooks/test', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [TEST_SIGNATURE_HEADER]: await signTestWebhook(env.PAYMENTS_TEST_WEBHOOK_SECRET!, body),
      },
      body,
    });
    const ack = (await expectStatus(m, this.toString(), res, [200])) as { applied: string | null } | null;
    if (ack?.applied === 'payment refunded') m.externalRefund = true;
  }
  toString() {
    return `new Webhook('${this.kind}')`;
  }
}

/**
 * A crash of this order's saga: 'one' aborts its Durable Object (`ctx.abort()`: in-flight work
 * is cut, storage kept), 'all' aborts every object of the runtime (other test files' too: not
 * generated, since checkout-saga.test.ts shares the worker-contended project), 'evict' tears it
 * down gracefully.
 */
export class Abort extends Base {
  constructor(readonly kind: 'one' | 'all' | 'evict') {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    faults.aborts++;
    if (this.kind === 'all') await abortAllDurableObjects();
    else if (this.kind === 'one')
      await runInDurableObject(sagaStub(r.orderId), (_obj, state) => state.abort('property test crash')).catch(
        () => {}, // abort() throws by design
      );
    else await evictDurableObject(sagaStub(r.orderId)).catch(() => {}); // not running: nothing to evict
    m.log.push(this.toString());
  }
  toString() {
    return `new Abort('${this.kind}')`;
  }
}

/** Two commands at once, the second `offsetMs` later: the interleavings clients and staff make. */
export class Race extends Base {
  constructor(
    readonly a: OrderCommand,
    readonly b: OrderCommand,
    readonly offsetMs: number,
  ) {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    await Promise.all([this.a.run(m, r), sleep(this.offsetMs).then(() => this.b.run(m, r))]);
  }
  toString() {
    return `new Race(${this.a}, ${this.b}, ${this.offsetMs})`;
  }
}

// ---- arbitraries -------------------------------------------------------------

const cancelArb = fc.constantFrom<'owner' | 'admin'>('owner', 'owner', 'admin').map((by) => new Cancel(by));
const moveArb = fc.constantFrom<Move['target']>('PROCESSING', 'SHIPPED', 'DELIVERED').map((t) => new Move(t));
const refundArb = fc
  .tuple(
    fc.constantFrom<RefundAmount>('full', 'partial', 'partial', 'cent', 'over'),
    fc.constantFrom<RefundKey>('fresh', 'fresh', 'fresh', 'repeat', 'internal'),
  )
  .map(([a, k]) => new Refund(a, k));
/** What may race: people's commands. */
const actionArb: fc.Arbitrary<OrderCommand> = fc.oneof(cancelArb, moveArb, refundArb);

export const commandArbs: fc.Arbitrary<OrderCommand>[] = [
  fc.integer({ min: 0, max: 400 }).map((ms) => new Pause(ms)),
  fc.constantFrom<AwaitSaga['point']>('step', 'COMPLETED', 'rest').map((p) => new AwaitSaga(p)),
  cancelArb,
  moveArb,
  moveArb,
  refundArb,
  fc.constantFrom<WebhookKind>('refunded', 'succeeded', 'replay').map((k) => new Webhook(k)),
  // Abort('evict') is not generated: eviction drains in-flight requests first (10-15 s
  // each here), so it is slow and milder than an abort; regression tests use it by name.
  fc.constant(new Abort('one')),
  fc.tuple(actionArb, actionArb, fc.integer({ min: 0, max: 30 })).map(([a, b, o]) => new Race(a, b, o)),
];

/** The payment method: the test provider's faults (decline, transient N, timeout, capture refused). */
export const tokenArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant('pm_test_success') },
  { weight: 2, arbitrary: fc.constant('pm_test_declined') },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 6 }).map((n) => `pm_test_transient_${n}`) },
  { weight: 1, arbitrary: fc.constant('pm_test_capture_fails') },
  { weight: 1, arbitrary: fc.constant('pm_test_timeout') },
);

export interface ScenarioSpec {
  token: string;
  stock: number;
  quantity: number;
}

export const scenarioArb = fc.record({
  spec: fc.record({
    token: tokenArb,
    stock: fc.integer({ min: 1, max: 4 }),
    quantity: fc.integer({ min: 1, max: 3 }),
  }),
  commands: fc.commands(commandArbs, { maxCommands: 6 }),
});

// ---- one sequence ------------------------------------------------------------

export interface SequenceResult {
  real: Real;
  model: Model;
  obs: Observation;
  violations: string[];
  commands: string;
  /** How long the sequence took, and how long of that waiting for the saga to rest. */
  ms: number;
  quiesceMs: number;
}

/**
 * Places the order, runs the commands while its saga runs, waits for the saga to rest and
 * checks the order's invariants. Throws (with everything needed to reproduce it) on a
 * violation; `only` restricts the failure to one invariant name (to shrink one class at a time).
 */
export async function runSequence(
  shop: Shop,
  spec: ScenarioSpec,
  /** fast-check's commands: printed, they list the commands that ran and the replay path. */
  commands: Iterable<OrderCommand> & { toString(): string },
  opts: { only?: string | undefined; collect?: boolean } = {},
): Promise<SequenceResult> {
  const abortsBefore = faults.aborts;
  const t0 = Date.now();
  const model = initialModel();
  let real: Real | undefined;
  try {
    await fc.asyncModelRun(async () => {
      real = await placeOrder(shop, spec.stock, spec.quantity, spec.token);
      return { model, real };
    }, commands);
  } catch (err) {
    const message = `${describeSequence(spec, model, real)}\n${String(err)}`;
    if (!opts.collect || !real) throw new Error(message, { cause: err });
    model.log.push(`answer: ${String(err).split('\n')[0]}`);
  }
  const t1 = Date.now();
  const settled = await quiesce(real!.orderId, abortsBefore);
  const quiesceMs = Date.now() - t1;
  const obs = await observe(real!);
  const all = checkOrder(real!, model, obs, settled.rested);
  const violations = opts.only ? all.filter((x) => x.startsWith(`${opts.only}:`)) : all;
  if (opts.collect) {
    all.push(...model.log.filter((l) => l.startsWith('answer:')));
    model.log.push(facts(obs), `alarms nudged ${settled.drivenAlarms}`);
  }
  if (violations.length && !opts.collect)
    throw new Error(`${describeSequence(spec, model, real)}\nviolated:\n  ${violations.join('\n  ')}\n${facts(obs)}`);
  return { real: real!, model, obs, violations: all, commands: String(commands), ms: Date.now() - t0, quiesceMs };
}

export function describeSequence(spec: ScenarioSpec, model: Model, real: Real | undefined): string {
  return (
    `sequence ${JSON.stringify(spec)} order ${real?.orderId}\n` + `answers:\n  ${model.log.join('\n  ') || '(none)'}`
  );
}

function facts(obs: Observation): string {
  const o = obs.order;
  const p = obs.payment;
  return (
    `seen: order ${o?.status}/${o?.paymentStatus} v${o?.version}; saga ${obs.saga?.status} ` +
    `(${obs.saga?.errorMessage ?? ''}); mirror ${obs.mirror?.status}; payment ${p?.status ?? 'none'} ` +
    `${p?.transactionType ?? ''} ${p?.amount ?? ''}; refunds ${obs.refunds.map((r) => `${r.amount}:${r.status}`).join(',') || 'none'}; ` +
    `stock ${obs.stock}; stock events ${obs.stockEvents.map((e) => e.data.reason).join(',') || 'none'}`
  );
}
