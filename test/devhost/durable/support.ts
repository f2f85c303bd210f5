// Test support for the Durable engine: a clock the test advances, and the fixture app loaded
// in-process through devhost's FunctionHost (so the real @azure/functions + durable-functions run).
import { join } from 'node:path';
import type { Clock } from '../../../devhost/durable/clock';
import { DurableEngine, type EngineOptions } from '../../../devhost/durable/engine';
import { InstanceStore } from '../../../devhost/durable/store';
import type { HostExtension } from '../../../devhost/host/extension';
import { FunctionHost } from '../../../devhost/host/functionHost';
import { ConsoleLogger } from '../../../devhost/host/logger';
import { loadHostSettings } from '../../../devhost/host/settings';

export const durableAppDir = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'durable-app');

export class ManualClock implements Clock {
  #now: number;
  #timers: { at: number; fire: () => void; cancelled: boolean }[] = [];

  constructor(start = Date.parse('2026-01-05T09:00:00.000Z')) {
    this.#now = start;
  }

  now(): Date {
    return new Date(this.#now);
  }

  schedule(at: Date, fire: () => void): () => void {
    const timer = { at: at.getTime(), fire, cancelled: false };
    this.#timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Timers still waiting to fire, as ISO times. */
  pending(): string[] {
    return this.#timers.filter((t) => !t.cancelled).map((t) => new Date(t.at).toISOString());
  }

  /** Moves time forward by `ms`, firing due timers in order and letting the engine settle after each. */
  async advance(ms: number, engine: DurableEngine): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await engine.idle();
      const due = this.#timers.filter((t) => !t.cancelled && t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.#now = Math.max(this.#now, due.at);
      this.#timers = this.#timers.filter((t) => t !== due);
      due.fire();
    }
    this.#now = target;
    await engine.idle();
  }
}

/** Claims the fixture's binding types so the host loads it; the test's own engine drives the Durable ones. */
const otherBindings: HostExtension = {
  name: 'fixture-other-bindings',
  triggerTypes: ['eventGridTrigger', 'timerTrigger', 'orchestrationTrigger', 'activityTrigger', 'entityTrigger'],
  inputBindings: {
    durableClient: () => {
      throw new Error('client functions are not invoked in engine tests');
    },
  },
  start: async () => undefined,
  stop: async () => undefined,
};

let loaded: Promise<FunctionHost> | undefined;

/** The fixture app, loaded once per test process (the library registers functions globally). */
export function fixtureHost(): Promise<FunctionHost> {
  loaded ??= (async () => {
    const settings = loadHostSettings(durableAppDir);
    const host = new FunctionHost(settings, [otherBindings], new ConsoleLogger('None'));
    await host.load();
    return host;
  })();
  return loaded;
}

export async function startEngine(options: Partial<EngineOptions> = {}): Promise<{ engine: DurableEngine; clock: ManualClock; host: FunctionHost }> {
  const host = await fixtureHost();
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock();
  const engine = new DurableEngine({ hubName: 'TestHub', store: new InstanceStore(undefined, 'TestHub'), ...options, clock });
  engine.start(host);
  return { engine, clock, host };
}
