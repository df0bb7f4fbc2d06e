/** Structured JSON logs, one line per event, always carrying the request id. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

function parseLevel(level: string | undefined): LogLevel {
  return level && level in ORDER ? (level as LogLevel) : 'info';
}

export function createLogger(level?: string, base: Record<string, unknown> = {}): Logger {
  const min = ORDER[parseLevel(level)];
  const write = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return;
    const line = JSON.stringify({ level: lvl, time: new Date().toISOString(), msg, ...base, ...fields });
    // The console method carries the level (Workers Logs, and `wrangler dev --log-level info` shows info and up).
    if (lvl === 'error') console.error(line);
    else if (lvl === 'warn') console.warn(line);
    else if (lvl === 'info') console.info(line);
    else console.debug(line);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }),
  };
}

/** Error details safe for logs: name, message and stack, never request bodies. */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { err: { name: err.name, message: err.message, stack: err.stack } };
  return { err: String(err) };
}
