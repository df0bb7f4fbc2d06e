import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env.ts';
import { applyEvent, initialState, SagaTransitionError, type SagaContext, type SagaEvent, type SagaState } from './saga-state.ts';

export type ReportResult = { ok: true; state: SagaState } | { ok: false; error: string; state: SagaState | null };

/**
 * One instance per order (`idFromName(orderId)`): the single writer of that
 * order's saga state. Durable Object input gates serialize calls, so two
 * concurrent reports for one order can never interleave. State and an append-only
 * log of every event live in the object's SQLite storage.
 */
export class OrderSaga extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS saga (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)`);
      ctx.storage.sql.exec(
        `CREATE TABLE IF NOT EXISTS saga_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, event TEXT NOT NULL)`,
      );
    });
  }

  private load(): SagaState | null {
    const row = this.ctx.storage.sql.exec<{ state: string }>('SELECT state FROM saga WHERE id = 1').toArray()[0];
    return row ? (JSON.parse(row.state) as SagaState) : null;
  }

  private save(state: SagaState, event: object): void {
    const now = new Date().toISOString();
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO saga (id, state) VALUES (1, ?)', JSON.stringify(state));
    this.ctx.storage.sql.exec('INSERT INTO saga_log (at, event) VALUES (?, ?)', now, JSON.stringify(event));
  }

  /** Starts the saga; starting it again returns the existing state (idempotent). */
  async start(input: { orderId: string; tenantId: string; context?: SagaContext }): Promise<SagaState> {
    const existing = this.load();
    if (existing) return existing;
    const state = initialState(input.orderId, input.tenantId, input.context ?? {}, new Date().toISOString());
    this.save(state, { type: 'STARTED', orderId: input.orderId });
    return state;
  }

  /**
   * Records a step outcome. A refused transition (out of order, not started) comes
   * back as a value, not a thrown error: RPC callers branch on `ok`.
   */
  async report(event: SagaEvent): Promise<ReportResult> {
    const current = this.load();
    if (!current) return { ok: false, error: 'saga not started', state: null };
    try {
      const next = applyEvent(current, event, new Date().toISOString());
      if (next !== current) this.save(next, event);
      return { ok: true, state: next };
    } catch (err) {
      if (err instanceof SagaTransitionError) return { ok: false, error: err.message, state: current };
      throw err;
    }
  }

  async state(): Promise<SagaState | null> {
    return this.load();
  }

  async history(): Promise<{ seq: number; at: string; event: unknown }[]> {
    return this.ctx.storage.sql
      .exec<{ seq: number; at: string; event: string }>('SELECT seq, at, event FROM saga_log ORDER BY seq')
      .toArray()
      .map((r) => ({ seq: r.seq, at: r.at, event: JSON.parse(r.event) }));
  }
}
