// Timer triggers: fires each timer function on its schedule, one invocation at a time, with
// `runOnStartup` and `isPastDue`; with `useMonitor` the schedule status survives restarts (as the
// real extension keeps it in storage) so an occurrence missed while the host was down runs late.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Host, HostExtension, RegisteredFunction } from '../extension';
import { parseSchedule, type Schedule } from './ncrontab';

interface ScheduleStatus {
  Last: string;
  Next: string;
  LastUpdated: string;
}

/** A longest single setTimeout; longer waits re-arm. */
const maxTimeout = 2 ** 31 - 1;
/** How late an occurrence may fire before the invocation says it is past due. */
const pastDueToleranceMs = 1000;

interface RunningTimer {
  fn: RegisteredFunction;
  schedule: Schedule;
  useMonitor: boolean;
  timeout?: NodeJS.Timeout;
  running?: Promise<void>;
}

export class TimerExtension implements HostExtension {
  readonly name = 'timers';
  readonly triggerTypes = ['timerTrigger'];
  readonly #statusDir: string;
  #host: Host | undefined;
  #timers: RunningTimer[] = [];
  #stopped = false;

  constructor(statusDir: string) {
    this.#statusDir = statusDir;
  }

  describe(fn: RegisteredFunction): string | undefined {
    if (fn.trigger.type.toLowerCase() !== 'timertrigger') return undefined;
    return `timerTrigger: ${String(fn.trigger.binding['schedule'])}`;
  }

  async start(host: Host): Promise<void> {
    this.#host = host;
    const timeZone = process.env['WEBSITE_TIME_ZONE'] ?? process.env['TZ'] ?? 'UTC';
    for (const fn of host.functions) {
      if (fn.trigger.type.toLowerCase() !== 'timertrigger') continue;
      const binding = fn.trigger.binding;
      const schedule = parseSchedule(String(binding['schedule'] ?? ''), timeZone);
      // As in the real extension, schedules that recur more often than once a minute are not monitored by default.
      const first = schedule.next(new Date());
      const recursEveryMinuteOrMore = schedule.next(first).getTime() - first.getTime() >= 60_000;
      const timer: RunningTimer = { fn, schedule, useMonitor: typeof binding['useMonitor'] === 'boolean' ? binding['useMonitor'] : recursEveryMinuteOrMore };
      this.#timers.push(timer);
      const now = new Date();
      const status = timer.useMonitor ? this.#readStatus(fn.name) : undefined;
      if (status && new Date(status.Next) < now) {
        await this.#fire(timer, new Date(status.Next), true);
      } else if (binding['runOnStartup'] === true) {
        await this.#fire(timer, now, false);
      }
      this.#arm(timer, status && new Date(status.Next) > now ? new Date(status.Next) : schedule.next(now));
    }
  }

  #statusPath(functionName: string): string {
    return join(this.#statusDir, `${functionName}.json`);
  }

  #readStatus(functionName: string): ScheduleStatus | undefined {
    try {
      return JSON.parse(readFileSync(this.#statusPath(functionName), 'utf8')) as ScheduleStatus;
    } catch {
      return undefined;
    }
  }

  #writeStatus(functionName: string, status: ScheduleStatus): void {
    mkdirSync(this.#statusDir, { recursive: true });
    writeFileSync(this.#statusPath(functionName), JSON.stringify(status));
  }

  #arm(timer: RunningTimer, next: Date): void {
    if (this.#stopped) return;
    if (timer.useMonitor) {
      const last = this.#readStatus(timer.fn.name)?.Last ?? new Date(0).toISOString();
      this.#writeStatus(timer.fn.name, { Last: last, Next: next.toISOString(), LastUpdated: new Date().toISOString() });
    }
    const wait = next.getTime() - Date.now();
    if (wait > maxTimeout) {
      timer.timeout = setTimeout(() => this.#arm(timer, next), maxTimeout);
      return;
    }
    timer.timeout = setTimeout(() => {
      timer.running = this.#fire(timer, next, Date.now() - next.getTime() > pastDueToleranceMs).then(() => this.#arm(timer, timer.schedule.next(new Date())));
    }, Math.max(0, wait));
  }

  async #fire(timer: RunningTimer, scheduled: Date, isPastDue: boolean): Promise<void> {
    const host = this.#host;
    if (!host || this.#stopped) return;
    const previous = timer.useMonitor ? this.#readStatus(timer.fn.name) : undefined;
    const next = timer.schedule.next(new Date());
    const payload = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: previous ? { Last: previous.Last, Next: scheduled.toISOString(), LastUpdated: previous.LastUpdated } : null,
      IsPastDue: isPastDue,
    };
    const outcome = await host.invoke(timer.fn.name, { trigger: { json: JSON.stringify(payload) } });
    if (outcome.error) host.log.warn(`timer ${timer.fn.name} failed; it runs again at its next occurrence (${next.toISOString()})`);
    if (timer.useMonitor) this.#writeStatus(timer.fn.name, { Last: scheduled.toISOString(), Next: next.toISOString(), LastUpdated: new Date().toISOString() });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer.timeout);
    await Promise.all(this.#timers.map((t) => t.running));
  }
}
