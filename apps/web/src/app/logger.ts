/**
 * @module app/logger
 * The web app's one logger: structured console output with a scope, silent for debug in
 * production builds so users' consoles stay quiet and nothing sensitive is traced.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  /** The lowest level written; defaults to `info` in production builds and `debug` otherwise. */
  level?: LogLevel;
  scope?: string;
  sink?: Pick<Console, LogLevel>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? (import.meta.env.PROD ? 'info' : 'debug');
  const sink = options.sink ?? console;
  const scope = options.scope;
  const write = (at: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (RANK[at] < RANK[level]) return;
    const text = scope === undefined ? message : `[${scope}] ${message}`;
    if (fields === undefined) sink[at](text);
    else sink[at](text, fields);
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (child) =>
      createLogger({ level, sink, scope: scope === undefined ? child : `${scope}:${child}` }),
  };
}

export const logger = createLogger();
