// `npm run bench -- distribution [--quick] [--cost-only | --load-only] [--cosmos-latency-ms=N]`: the
// distributor against the Cosmos emulator. With --cosmos-latency-ms, N ms are added before each
// Cosmos call of the load part, as a round trip to Cosmos DB costs (the emulator answers in well
// under a millisecond when idle, so on its own the load part measures CPU more than round trips),
// and before each ring-out timer, as scheduling it on Service Bus costs (it is not sent).
//  1. Cosmos operations per assignment at queue lengths 10, 1,000 and 10,000, as ratios against
//     the 10 case (target <= 1.2), for Switchboard's distributor and for a naive one (global lock,
//     scan every agent and every waiting task) measured the same way in the same run.
//  2. 1,000 agents and 10,000 waiting tasks in one service, agents accepting and finishing as
//     offers arrive: offers/s, enqueue-to-offer latency p50/p99 of probe tasks enqueued during the
//     run, double offers and agents over capacity (targets: p50 <= 50 ms, p99 <= 250 ms, >= 200/s, 0, 0).
//     The agents run on a worker thread (bench/distributionAgents.ts), as agent desk calls run on
//     other function instances than the distributor's.
// Everything Switchboard stores in Cosmos per offer is stored here too (the offer's notification in
// `events`, the finished chat's record in `sessions`). Service Bus is not used: an in-process
// per-service session runner stands for the `distribute` queue, and the ring-out timer's scheduled
// message is not sent, so the figures are the distributor's and Cosmos's, not the broker's (see
// `npm run bench -- servicebus`).
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CosmosClient } from '@azure/cosmos';
import { cosmosEmulatorKey, startCosmos } from '../devhost/emulators/cosmos';
import { provisionCosmos } from '../devhost/emulators/resources';
import { resourceManifest } from '../src/config/resourceManifest';
import type { Agent } from '../src/domain/agent';
import { chooseAgent } from '../src/domain/routing';
import { nextOfferId, offered, type Offer } from '../src/domain/task';
import { distribute } from '../src/distribution/distribute';
import type { DistributionDeps, DistributionSignal, QueueEntry } from '../src/distribution/ports';
import { agentMapping } from '../src/storage/agentDocuments';
import { freePort } from '../test/support/ports';
import type { AgentsWorkerData, FromAgents, ToAgents } from './distributionAgents';
import { agentDoc, enqueue, epoch, guardCapacity, serviceDoc, taskDoc, unobserved, world, zero, type Counts, type World } from './distributionWorld';
import { machineBusy, machineCpu, percentile, processCpuMs, threadCpuMs } from './support';

/** Service Bus sessions, in process: one round per service at a time; a request during a round runs another after it. */
class SessionRunner implements DistributionSignal {
  #running = new Map<string, Promise<void>>();
  #again = new Set<string>();
  deps: DistributionDeps | undefined;
  rounds = 0;

  async requestDistribution(serviceId: string): Promise<void> {
    if (this.#running.has(serviceId)) {
      this.#again.add(serviceId);
      return;
    }
    const run = (async () => {
      do {
        this.#again.delete(serviceId);
        this.rounds++;
        await distribute(serviceId, this.deps!);
      } while (this.#again.has(serviceId));
    })().finally(() => this.#running.delete(serviceId));
    this.#running.set(serviceId, run);
  }

  idle(): Promise<unknown> {
    return Promise.all(this.#running.values());
  }
}

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

async function loadQueue(w: World, serviceId: string, count: number, prefix: string): Promise<void> {
  const docs = Array.from({ length: count }, (_, i) => taskDoc(`${prefix}-${i}`, serviceId, new Date(epoch.getTime() + i)));
  await inParallel(docs, 32, (task) => enqueue(w, task));
}

/** The naive distributor: one global lock; every assignment reads every waiting task and every agent. */
function naiveDistributor(w: World): (serviceId: string) => Promise<number> {
  let lock: Promise<unknown> = Promise.resolve();
  return (serviceId) => {
    const round = lock.then(async () => {
      let offers = 0;
      for (;;) {
        w.counts.queries++;
        const { resources: entries } = await w.containers.queue.items.query<QueueEntry>({ query: 'SELECT * FROM q WHERE q.serviceId = @s', parameters: [{ name: '@s', value: serviceId }] }, { partitionKey: serviceId }).fetchAll();
        w.counts.documentsReturned += entries.length;
        entries.sort((a, b) => b.priority - a.priority || (a.enqueueOrder < b.enqueueOrder ? -1 : 1));
        const head = entries[0];
        if (!head) return offers;
        w.counts.queries++;
        const { resources: agents } = await w.containers.agents.items.query<Agent & { _etag: string }>('SELECT * FROM a').fetchAll();
        w.counts.documentsReturned += agents.length;
        const service = (await w.deps.services.read(serviceId))!.value;
        const decision = chooseAgent(service, { id: head.taskId, refusedBy: [] }, agents.map((a) => agentMapping.fromDocument(a as unknown as Record<string, unknown>)), new Date());
        if (!decision) return offers;
        const stored = (await w.deps.tasks.read(head.taskId))!;
        const now = new Date().toISOString();
        const offer: Offer = { offerId: nextOfferId(head.taskId, stored.value.offers.length), agentId: decision.chosenAgentId, offeredAt: now, expiresAt: now, outcome: 'open', decidedAt: null, routing: decision, afterCallWork: service.afterCallWork };
        await w.deps.tasks.replace(offered(stored.value, offer), stored.etag);
        const agent = (await w.deps.agents.read(decision.chosenAgentId))!;
        await w.deps.agents.replace({ ...agent.value, offers: [...agent.value.offers, { offerId: offer.offerId, taskId: head.taskId, serviceId, offeredAt: now }], lastOfferAt: now }, agent.etag);
        await w.deps.queue.remove(serviceId, head.taskId);
        await w.deps.notifier.notify(offer.agentId, offer.offerId, { type: 'offer', offerId: offer.offerId, taskId: head.taskId, serviceId, expiresAt: now });
        offers++;
      }
    });
    lock = round.catch(() => undefined);
    return round;
  };
}

function perAssignment(counts: Counts, assignments: number): Record<string, number> {
  const per = (n: number): number => Math.round((n / assignments) * 100) / 100;
  return { reads: per(counts.reads), writes: per(counts.writes), queries: per(counts.queries), '412s': per(counts.preconditionFailed), 'docs returned': per(counts.documentsReturned), 'total ops': per(counts.reads + counts.writes + counts.queries) };
}

async function costAtQueueLengths(database: ReturnType<CosmosClient['database']>, lengths: number[], assignments: number): Promise<void> {
  const table: Record<string, Record<string, number>> = {};
  const cost = new Map<string, Record<string, number>>();
  for (const length of lengths) {
    for (const kind of ['switchboard', 'naive'] as const) {
      const signal = new SessionRunner();
      const w = world(database, signal, unobserved);
      signal.deps = w.deps;
      const serviceId = `cost-${kind}-${length}`;
      await w.containers.services.items.create({ ...serviceDoc(serviceId) });
      await w.containers.agents.items.create(agentMapping.toDocument(agentDoc(`${serviceId}-agent`, serviceId, assignments)));
      await loadQueue(w, serviceId, length, serviceId);
      Object.assign(w.counts, zero());
      const offers = kind === 'switchboard' ? (await distribute(serviceId, w.deps)).offers : await naiveDistributor(w)(serviceId);
      if (offers !== Math.min(assignments, length)) throw new Error(`${kind} at ${length}: ${offers} offers, expected ${Math.min(assignments, length)}`);
      const per = perAssignment(w.counts, offers);
      table[`${kind}, queue ${length}`] = per;
      cost.set(`${kind}/${length}`, per);
    }
  }
  console.log(`\nCosmos operations per assignment (${assignments} assignments at each queue length, one agent with room for all):`);
  console.table(table);
  for (const kind of ['switchboard', 'naive']) {
    const base = cost.get(`${kind}/${lengths[0]}`) ?? {};
    const ratios = lengths.map((length) => {
      const c = cost.get(`${kind}/${length}`) ?? {};
      return `queue ${length}: ops x${((c['total ops'] ?? 0) / (base['total ops'] ?? 1)).toFixed(2)}, docs returned x${((c['docs returned'] ?? 0) / (base['docs returned'] ?? 1)).toFixed(2)}`;
    });
    console.log(`${kind.padEnd(11)} vs queue ${lengths[0]}: ${ratios.join(' | ')}${kind === 'switchboard' ? '  (target <= 1.2)' : ''}`);
  }
}

async function throughput({ database, endpoint, pid }: BenchCosmos, agents: number, waiting: number, probes: number, latencyMs: number): Promise<void> {
  const serviceId = 'load';
  const offeredAt = new Map<string, number>();
  const enqueuedAt = new Map<string, number>();
  let doubleOffers = 0;
  const signal = new SessionRunner();
  const agentsThread = new Worker(join(__dirname, 'distributionAgents.js'), { workerData: { endpoint, key: cosmosEmulatorKey, databaseName: resourceManifest.cosmos.databaseName, latencyMs } satisfies AgentsWorkerData });
  const drained = new Promise<Extract<FromAgents, { type: 'drained' }>>((resolve, reject) => {
    agentsThread.on('message', (message: FromAgents) => {
      if (message.type === 'distribute') void signal.requestDistribution(message.serviceId);
      else resolve(message);
    });
    agentsThread.once('error', reject);
  });
  const toAgents = (message: ToAgents): void => agentsThread.postMessage(message);
  const w = world(
    database,
    signal,
    {
      notify: async (agentId, _eventId, event) => {
        if (event.type !== 'offer') return;
        if (offeredAt.has(event.taskId)) doubleOffers++;
        offeredAt.set(event.taskId, performance.now());
        toAgents({ type: 'offer', agentId, offerId: event.offerId, taskId: event.taskId });
      },
    },
    latencyMs,
  );
  const guard = guardCapacity(w);
  signal.deps = w.deps;
  await w.containers.services.items.create({ ...serviceDoc(serviceId) });
  await inParallel(
    Array.from({ length: agents }, (_, i) => agentDoc(`load-agent-${i}`, serviceId, 1)),
    32,
    (a) => w.containers.agents.items.create(agentMapping.toDocument(a)),
  );
  await loadQueue(w, serviceId, waiting, 'load-task');
  Object.assign(w.counts, zero());

  const started = performance.now();
  const cpuAtStart = machineCpu();
  const processCpuAtStart = process.cpuUsage();
  const cosmosCpuAtStart = processCpuMs(pid);
  // The distributor runs on this process's main thread (the agents on their own).
  const distributorCpuAtStart = threadCpuMs(process.pid, process.pid);
  const distributorLoopAtStart = performance.eventLoopUtilization();
  const agentsLoopAtStart = agentsThread.performance.eventLoopUtilization();
  await signal.requestDistribution(serviceId);
  // Probes: high-priority tasks enqueued during the run; their wait is the distributor's latency.
  for (let i = 0; i < probes; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const task = taskDoc(`probe-${i}`, serviceId, new Date(), 99);
    enqueuedAt.set(task.id, performance.now());
    await enqueue(w, task);
    await signal.requestDistribution(serviceId);
  }
  const deadline = performance.now() + 120_000;
  while (offeredAt.size < waiting + probes && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    await signal.requestDistribution(serviceId);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuAtEnd = machineCpu();
  const processCpu = process.cpuUsage(processCpuAtStart);
  const cosmosCpuAtEnd = processCpuMs(pid);
  const distributorCpuAtEnd = threadCpuMs(process.pid, process.pid);
  const distributorLoop = performance.eventLoopUtilization(distributorLoopAtStart).utilization;
  const agentsLoop = agentsThread.performance.eventLoopUtilization(agentsLoopAtStart).utilization;
  await signal.idle();
  toAgents({ type: 'drain' });
  const agentReport = await drained;
  await agentsThread.terminate();
  const latencies = [...enqueuedAt.entries()].map(([id, at]) => (offeredAt.get(id) ?? Number.NaN) - at).filter(Number.isFinite).sort((a, b) => a - b);
  const latency = latencyMs > 0 ? `, ${latencyMs} ms added before each Cosmos call of the distributor and the agents and before each ring-out timer scheduled (a Service Bus round trip)` : '';
  console.log(`\n${agents} agents (capacity 1), ${waiting} waiting tasks in one service, agents (on their own thread) accept, chat 20 ms and finish${latency}:`);
  console.table({
    switchboard: {
      'offers made': offeredAt.size,
      'offers/s': Math.round(offeredAt.size / seconds),
      'probe enqueue-to-offer p50 ms': Math.round(percentile(latencies, 50)),
      'probe p99 ms': Math.round(percentile(latencies, 99)),
      probes: `${latencies.length}/${probes}`,
      'double offers': doubleOffers,
      'agent writes over capacity': guard.overCapacity + agentReport.overCapacity,
      '412s': w.counts.preconditionFailed,
      'agent action failures': agentReport.failures.length,
    },
  });
  if (agentReport.failures.length > 0) console.log(`first agent action failure: ${agentReport.failures[0] ?? ''}`);
  console.log(`targets: p50 <= 50 ms, p99 <= 250 ms, >= 200 offers/s, 0 double offers, 0 agents over capacity`);
  const per = perAssignment(w.counts, offeredAt.size);
  console.log(`the distributor's Cosmos operations per offer under load: ${Object.entries(per).map(([k, v]) => `${k} ${v}`).join(', ')}; ${signal.rounds} rounds`);
  const agentsPer = perAssignment(agentReport.counts, offeredAt.size);
  console.log(`the agents' Cosmos operations per offer (accept and finish): ${Object.entries(agentsPer).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const processMs = (processCpu.user + processCpu.system) / 1000;
  console.log(
    `CPU during the run: the machine ${machineBusy(cpuAtStart, cpuAtEnd)} busy; event loops busy: distributor ${Math.round(distributorLoop * 100)}%, agents ${Math.round(agentsLoop * 100)}%.`,
  );
  const perOffer = (ms: number): string => `${(ms / offeredAt.size).toFixed(1)} ms`;
  if (cosmosCpuAtStart !== undefined && cosmosCpuAtEnd !== undefined) {
    // Everything runs on this machine, so CPU time per offer bounds offers/s whatever the distributor does.
    const cosmosMs = cosmosCpuAtEnd - cosmosCpuAtStart;
    const allMs = processMs + cosmosMs;
    console.log(
      `CPU per offer: ${perOffer(allMs)} in all = distributor and agents threads ${perOffer(processMs)} + Cosmos emulator ${perOffer(cosmosMs)}; on ${availableParallelism()} vCPUs that allows at most ${Math.round((availableParallelism() * 1000 * offeredAt.size) / allMs)} offers/s.`,
    );
  } else {
    console.log(`CPU per offer: distributor and agents threads ${perOffer(processMs)} (the Cosmos emulator's CPU time is read on Linux only).`);
  }
  if (distributorCpuAtStart !== undefined && distributorCpuAtEnd !== undefined) {
    // In Azure the distributor has its function instance's CPU to itself: what its own thread used bounds one service's rate there.
    const distributorMs = distributorCpuAtEnd - distributorCpuAtStart;
    console.log(
      `of which the distributor's own thread ${perOffer(distributorMs)}: with a vCPU to itself it could make at most ${Math.round((1000 * offeredAt.size) / distributorMs)} offers/s (derived from CPU time, not measured; round trips to Cosmos DB bound it too, see --cosmos-latency-ms).`,
    );
  }
}

/** The emulator a phase runs against: the database, its endpoint and its process (whose CPU time is counted). */
interface BenchCosmos {
  database: ReturnType<CosmosClient['database']>;
  endpoint: string;
  pid: number | undefined;
}

/** A fresh Cosmos emulator with the manifest's containers; it scans whole containers, so each phase gets its own. */
async function withCosmos(work: (cosmos: BenchCosmos) => Promise<void>): Promise<void> {
  const port = await freePort();
  const cosmos = await startCosmos({ port, cwd: mkdtempSync(join(tmpdir(), 'bench-cosmos-')) });
  try {
    await provisionCosmos(resourceManifest.cosmos as unknown as Parameters<typeof provisionCosmos>[0], `http://127.0.0.1:${port}`, cosmosEmulatorKey);
    const client = new CosmosClient({ endpoint: `http://127.0.0.1:${port}`, key: cosmosEmulatorKey });
    try {
      await work({ database: client.database(resourceManifest.cosmos.databaseName), endpoint: `http://127.0.0.1:${port}`, pid: cosmos.pid });
    } finally {
      client.dispose();
    }
  } finally {
    await cosmos.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const latencyArg = args.find((a) => a.startsWith('--cosmos-latency-ms='));
  const latencyMs = latencyArg ? Number(latencyArg.slice('--cosmos-latency-ms='.length)) : 0;
  if (!Number.isInteger(latencyMs) || latencyMs < 0) throw new Error(`--cosmos-latency-ms must be a whole number of milliseconds, not "${latencyArg ?? ''}"`);
  const only = args.includes('--cost-only') ? 'cost' : args.includes('--load-only') ? 'load' : undefined;
  console.log('distribution: Switchboard distributor against the Cosmos emulator (@vercel/cosmosdb-server, in memory, in its own process).');
  console.log(
    "Note: devhost's emulator answers TOP ... ORDER BY from an ordered index as Cosmos DB does from the composite index, but other queries (and the naive distributor's) scan every document; the operation counts are what carries over to Cosmos DB.",
  );
  if (only !== 'load') await withCosmos(({ database }) => costAtQueueLengths(database, quick ? [10, 100, 1000] : [10, 1000, 10_000], 20));
  if (only !== 'cost') await withCosmos((cosmos) => throughput(cosmos, quick ? 100 : 1000, quick ? 1000 : 10_000, quick ? 20 : 100, latencyMs));
}
