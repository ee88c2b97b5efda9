/**
 * winston logging: a readable console line for people, JSON lines per team in its workspace for
 * machines; both redact every registered secret value.
 */
import path from 'node:path';
import winston from 'winston';
import { redact, redactDeep } from './redact.ts';

export type Logger = winston.Logger;

const redactFormat = winston.format((info) => {
  const out = redactDeep({ ...info }) as winston.Logform.TransformableInfo;
  if (typeof info.message === 'string') out.message = redact(info.message);
  // winston routes on Symbol-keyed fields (level, splat) that a plain deep copy drops.
  for (const sym of Object.getOwnPropertySymbols(info)) (out as unknown as Record<symbol, unknown>)[sym] = (info as unknown as Record<symbol, unknown>)[sym];
  return out;
});

const consoleLine = winston.format.printf((info) => {
  const { level, message, timestamp, team, step, date, ...rest } = info as Record<string, unknown>;
  const scope = [team, date, step].filter((v) => v !== undefined).join(' ');
  const extras = Object.entries(rest)
    .filter(([k]) => typeof k === 'string' && !k.startsWith('Symbol('))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const ts = typeof timestamp === 'string' ? timestamp.slice(11, 19) : '';
  return `${ts} ${String(level)}${scope ? ` [${scope}]` : ''} ${String(message)}${extras ? ` ${extras}` : ''}`;
});

export interface LoggerOptions {
  level?: string;
  /** Write JSON lines here (e.g. `<workspace>/logs/arena.jsonl`). */
  jsonFile?: string;
  /** Console output; off for quiet commands and tests. */
  console?: boolean;
  /** Console to stderr so stdout stays machine-readable. */
  stderr?: boolean;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const transports: winston.transport[] = [];
  if (opts.console ?? true) {
    const format = process.stderr.isTTY ? winston.format.combine(winston.format.colorize({ level: true }), consoleLine) : consoleLine;
    // All levels to stderr keeps stdout machine-readable (leaderboard, JSON); else errors only.
    transports.push(opts.stderr ? new winston.transports.Stream({ stream: process.stderr, format }) : new winston.transports.Console({ stderrLevels: ['error'], format }));
  }
  if (opts.jsonFile) {
    transports.push(
      new winston.transports.File({
        filename: opts.jsonFile,
        dirname: path.dirname(opts.jsonFile),
        format: winston.format.json(),
      }),
    );
  }
  if (transports.length === 0) transports.push(new winston.transports.Console({ silent: true }));
  return winston.createLogger({
    level: opts.level ?? 'info',
    format: winston.format.combine(redactFormat(), winston.format.timestamp()),
    transports,
  });
}

/** Flush and close every transport (file transports buffer). */
export function closeLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    logger.on('finish', finish);
    logger.end();
    setTimeout(finish, 2000).unref();
  });
}

export const silentLogger = (): Logger => createLogger({ console: false });
