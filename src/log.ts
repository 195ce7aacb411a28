/**
 * A small leveled logger for the CLI: human-readable lines on stderr, so that stdout carries only
 * the results table. Callers must never pass patient names, IDs or dates in a message.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Runs `task`, logging its name before and its duration after when it took over a second. */
  step<T>(name: string, task: () => Promise<T> | T): Promise<T>;
  readonly level: LogLevel;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Line writer; defaults to writing to process.stderr. */
  write?: (line: string) => void;
  /** Step timings in ms are added here by name, for the timing breakdown in results.json. */
  timings?: Record<string, number>;
}

const CONTROL_CHARACTER = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/**
 * Returns `text` with control characters other than tab written as `\xHH`. Series descriptions and
 * file names come from the input, and an escape sequence or line break in them must not move the
 * terminal's cursor or forge a log line.
 */
export function printable(text: string): string {
  return text.replace(CONTROL_CHARACTER, (character) => `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (at: LogLevel, message: string): void => {
    if (rank[at] >= rank[level]) write(at === 'info' ? printable(message) : `${at}: ${printable(message)}`);
  };
  return {
    level,
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    async step<T>(name: string, task: () => Promise<T> | T): Promise<T> {
      const start = performance.now();
      // A ticker shows progress only on steps that run for more than a second.
      const ticker = setInterval(() => emit('info', `  ${name} ... ${((performance.now() - start) / 1000).toFixed(0)} s`), 1000);
      ticker.unref();
      try {
        return await task();
      } finally {
        clearInterval(ticker);
        const elapsed = performance.now() - start;
        if (options.timings) options.timings[name] = (options.timings[name] ?? 0) + elapsed;
        if (elapsed > 1000) emit('info', `  ${name} done in ${(elapsed / 1000).toFixed(1)} s`);
        else emit('debug', `${name} done in ${elapsed.toFixed(0)} ms`);
      }
    },
  };
}

/** A logger that drops everything, for tests and library callers that want no output. */
export const silentLogger: Logger = createLogger({ level: 'silent' });

/**
 * Joins the first `max` of `items` for a message and counts the rest, as in "a, b and 3 more", so
 * that a long list does not flood the log.
 */
export function listFirst(items: readonly string[], max: number, separator = ', '): string {
  const more = items.length > max ? ` and ${items.length - max} more` : '';
  return items.slice(0, max).join(separator) + more;
}
