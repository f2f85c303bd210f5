// Console logging for the host and for function invocations, filtered by host.json log levels.
import type { RpcLogLevel } from './coreTypes';
import type { HostLogger } from './extension';
import type { LogLevelName } from './settings';

const rank: Record<LogLevelName, number> = { Trace: 0, Debug: 1, Information: 2, Warning: 3, Error: 4, Critical: 5, None: 6 };
const rpcRank: Record<RpcLogLevel, number> = { trace: 0, debug: 1, information: 2, warning: 3, error: 4, critical: 5, none: 6 };

export interface LogWriter {
  (line: string): void;
}

const defaultWriter: LogWriter = (line) => process.stdout.write(`${line}\n`);

export class ConsoleLogger implements HostLogger {
  readonly #minimum: number;
  readonly #write: LogWriter;

  constructor(level: LogLevelName = 'Information', write: LogWriter = defaultWriter) {
    this.#minimum = rank[level];
    this.#write = write;
  }

  #line(levelRank: number, label: string, message: string): void {
    if (levelRank < this.#minimum) return;
    this.#write(`[${new Date().toISOString()}] ${label}${message}`);
  }

  debug(message: string): void {
    this.#line(rank.Debug, '', message);
  }
  info(message: string): void {
    this.#line(rank.Information, '', message);
  }
  warn(message: string): void {
    this.#line(rank.Warning, 'warn: ', message);
  }
  error(message: string): void {
    this.#line(rank.Error, 'error: ', message);
  }

  /** A log line written by a function through its InvocationContext. */
  invocation(level: RpcLogLevel, functionName: string, invocationId: string, message: string): void {
    const label = level === 'information' ? '' : `${level}: `;
    this.#line(rpcRank[level] ?? rank.Information, label, `${functionName} (${invocationId}): ${message}`);
  }

  enabled(level: LogLevelName): boolean {
    return rank[level] >= this.#minimum;
  }
}
