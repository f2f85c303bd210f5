// `npm run bench -- durable [--chains N] [--fanouts N] [--fanout-size N] [--memory]`: the Durable
// engine's throughput through the real durable-functions SDK, beside the same activity calls made
// directly, with instances persisted to the append-only log as in devhost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DurableEngine } from '../devhost/durable/engine';
import { DurableExtension } from '../devhost/durable/extension';
import { FunctionHost } from '../devhost/host/functionHost';
import { ConsoleLogger } from '../devhost/host/logger';
import { loadHostSettings } from '../devhost/host/settings';

const benchAppDir = join(__dirname, '..', '..', 'test', 'fixtures', 'durable-app', 'bench');

interface Options {
  chains: number;
  fanouts: number;
  fanoutSize: number;
  inMemory: boolean;
}

function parseOptions(args: string[]): Options {
  const options: Options = { chains: 1000, fanouts: 10, fanoutSize: 100, inMemory: false };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = Number(args[i + 1]);
    if (flag === '--memory') {
      options.inMemory = true;
      continue;
    }
    if (!Number.isInteger(value) || value < 1) throw new Error(`${flag ?? ''} needs a positive integer`);
    i++;
    if (flag === '--chains') options.chains = value;
    else if (flag === '--fanouts') options.fanouts = value;
    else if (flag === '--fanout-size') options.fanoutSize = value;
    else throw new Error(`unknown option ${flag ?? ''}`);
  }
  return options;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

interface RunFigures {
  seconds: number;
  orchestrations: number;
  historyEvents: number;
  activities: number;
  latenciesMs: number[];
}

async function runOrchestrations(engine: DurableEngine, name: string, count: number, input: (i: number) => unknown): Promise<RunFigures> {
  const startedAt = new Map<string, number>();
  const latencies: number[] = [];
  const activitiesBefore = engine.stats.activities;
  const began = performance.now();
  const waits: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const result = engine.startNew(name, { input: JSON.stringify(input(i)) });
    if (!result.ok) throw new Error(result.message);
    const id = result.instance.instanceId;
    startedAt.set(id, performance.now());
    waits.push(
      engine.waitForCompletion(id, 10 * 60_000).then((done) => {
        if (done?.runtimeStatus !== 'Completed') throw new Error(`${name} ${id} ended ${done?.runtimeStatus ?? 'missing'}: ${done?.output ?? ''}`);
        latencies.push(performance.now() - (startedAt.get(id) ?? began));
      }),
    );
  }
  await Promise.all(waits);
  const seconds = (performance.now() - began) / 1000;
  let historyEvents = 0;
  for (const id of startedAt.keys()) historyEvents += engine.store.get(id)?.history.length ?? 0;
  return { seconds, orchestrations: count, historyEvents, activities: engine.stats.activities - activitiesBefore, latenciesMs: latencies.sort((a, b) => a - b) };
}

async function directCalls(host: FunctionHost, total: number, parallel: number): Promise<number> {
  const began = performance.now();
  for (let done = 0; done < total; done += parallel) {
    const batch = Array.from({ length: Math.min(parallel, total - done) }, (_, i) => host.invoke('noop', { trigger: { string: String(done + i) } }));
    const outcomes = await Promise.all(batch);
    if (outcomes.some((o) => o.error !== undefined)) throw new Error('a direct activity call failed');
  }
  return total / ((performance.now() - began) / 1000);
}

function report(label: string, figures: RunFigures, directPerSecond: number): void {
  const activityRate = figures.activities / figures.seconds;
  console.log(`\n${label}`);
  console.log(`  ${figures.orchestrations} orchestrations, ${figures.activities} activities, ${figures.historyEvents} history events in ${figures.seconds.toFixed(2)} s`);
  console.log(`  history events/s:  ${(figures.historyEvents / figures.seconds).toFixed(0)}`);
  console.log(`  orchestrations/s:  ${(figures.orchestrations / figures.seconds).toFixed(1)}`);
  console.log(`  activities/s:      ${activityRate.toFixed(0)} through Durable vs ${directPerSecond.toFixed(0)} called directly (direct/durable = ${(directPerSecond / activityRate).toFixed(1)}x)`);
  console.log(`  start-to-completion p50 ${percentile(figures.latenciesMs, 50).toFixed(0)} ms, p99 ${percentile(figures.latenciesMs, 99).toFixed(0)} ms`);
}

export async function run(args: string[]): Promise<void> {
  const options = parseOptions(args);
  const dataDir = mkdtempSync(join(tmpdir(), 'durable-bench-'));
  const extension = new DurableExtension({ rpcPort: 0, dataDir, inMemory: options.inMemory });
  const host = new FunctionHost(loadHostSettings(benchAppDir), [extension], new ConsoleLogger('Warning'));
  try {
    await host.load();
    await host.startExtensions();
    const engine = extension.engine;
    console.log(`Durable engine benchmark (${options.inMemory ? 'in memory' : `persisted to ${dataDir}`}; orchestrator limit ${engine.maxOrchestrations}, activity limit ${engine.maxActivities})`);

    // Warm up the SDK and V8 before measuring.
    await runOrchestrations(engine, 'chainOfFive', 20, (i) => i);

    const chainDirect = await directCalls(host, options.chains * 5, 1);
    const chains = await runOrchestrations(engine, 'chainOfFive', options.chains, (i) => i);
    report(`chains: ${options.chains} x five sequential activities (direct calls: one at a time, as a chain makes them)`, chains, chainDirect);

    const fanDirect = await directCalls(host, options.fanouts * options.fanoutSize, options.fanoutSize);
    const fans = await runOrchestrations(engine, 'fanOutOf', options.fanouts, () => options.fanoutSize);
    report(`fan-out: ${options.fanouts} x ${options.fanoutSize} parallel activities (direct calls: ${options.fanoutSize} at a time)`, fans, fanDirect);

    // Latency without queueing: one chain at a time.
    const single: number[] = [];
    for (let i = 0; i < 100; i++) single.push(...(await runOrchestrations(engine, 'chainOfFive', 1, () => i)).latenciesMs);
    single.sort((a, b) => a - b);
    console.log(`\nunloaded: 100 chains one after another, start-to-completion p50 ${percentile(single, 50).toFixed(1)} ms, p99 ${percentile(single, 99).toFixed(1)} ms`);

    const total = chains.historyEvents + fans.historyEvents;
    const seconds = chains.seconds + fans.seconds;
    console.log(`\noverall: ${(total / seconds).toFixed(0)} history events/s (target >= 1000)`);
  } finally {
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
