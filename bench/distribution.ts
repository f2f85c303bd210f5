// `npm run bench -- distribution [--quick]`: the distributor against the Cosmos emulator.
//  1. Cosmos operations per assignment at queue lengths 10, 1,000 and 10,000, as ratios against
//     the 10 case (target <= 1.2), for Switchboard's distributor and for a naive one (global lock,
//     scan every agent and every waiting task) measured the same way in the same run.
//  2. 1,000 agents and 10,000 waiting tasks in one service, agents accepting and finishing as
//     offers arrive: offers/s, enqueue-to-offer latency p50/p99 of probe tasks enqueued during the
//     run, double offers and agents over capacity (targets: p50 <= 50 ms, p99 <= 250 ms, >= 200/s, 0, 0).
// Service Bus is replaced by an in-process per-service session runner: the figures are the
// distributor's and Cosmos's, not the broker's (see `npm run bench -- servicebus`).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CosmosClient, type Container } from '@azure/cosmos';
import { startCosmos } from '../devhost/emulators/cosmos';
import { cosmosEmulatorKey } from '../devhost/emulators/cosmos';
import { provisionCosmos } from '../devhost/emulators/resources';
import { resourceManifest } from '../src/config/resourceManifest';
import type { Agent } from '../src/domain/agent';
import { enqueueOrderKey } from '../src/domain/queueOrder';
import { chooseAgent } from '../src/domain/routing';
import type { Service } from '../src/domain/service';
import { transition, type Task } from '../src/domain/task';
import { endAcw, finishTask } from '../src/distribution/afterCallWork';
import { distribute } from '../src/distribution/distribute';
import { acceptOffer } from '../src/distribution/offerDecisions';
import {
  PreconditionFailedError,
  type AgentDirectory,
  type AgentNotifier,
  type DistributionDeps,
  type DistributionSignal,
  type DocumentStore,
  type QueueEntry,
  type QueueStore,
  type SessionLog,
} from '../src/distribution/ports';
import { agentMapping, CosmosAgentDirectory } from '../src/storage/agentDocuments';
import { CosmosDocumentStore } from '../src/storage/cosmosDocumentStore';
import { CosmosQueueStore } from '../src/storage/cosmosQueueStore';
import { duty, makeAgent, makeService } from '../test/support/distributionFixtures';
import { freePort } from '../test/support/ports';
import { percentile } from './support';

interface Counts {
  reads: number;
  writes: number;
  queries: number;
  preconditionFailed: number;
  /** Documents queries returned: the part of a query's cost that grows with what it touches. */
  documentsReturned: number;
}

const zero = (): Counts => ({ reads: 0, writes: 0, queries: 0, preconditionFailed: 0, documentsReturned: 0 });

async function counted<T>(counts: Counts, kind: 'reads' | 'writes' | 'queries', work: () => Promise<T>): Promise<T> {
  counts[kind]++;
  try {
    return await work();
  } catch (err) {
    if (err instanceof PreconditionFailedError) counts.preconditionFailed++;
    throw err;
  }
}

function countStore<T extends { id: string }>(store: DocumentStore<T>, counts: Counts): DocumentStore<T> {
  return {
    read: (id) => counted(counts, 'reads', () => store.read(id)),
    create: (value) => counted(counts, 'writes', () => store.create(value)),
    replace: (value, etag) => counted(counts, 'writes', () => store.replace(value, etag)),
    delete: (id, etag) => counted(counts, 'writes', () => store.delete(id, etag)),
    list: (size, token) => counted(counts, 'queries', () => store.list(size, token)),
  };
}

function countQueue(queue: QueueStore, counts: Counts): QueueStore {
  return {
    put: (entry) => counted(counts, 'writes', () => queue.put(entry)),
    read: (s, t) => counted(counts, 'reads', () => queue.read(s, t)),
    first: async (s, limit) => {
      const entries = await counted(counts, 'queries', () => queue.first(s, limit));
      counts.documentsReturned += entries.length;
      return entries;
    },
    remove: (s, t, e) => counted(counts, 'writes', () => queue.remove(s, t, e)),
    countAhead: (e) => counted(counts, 'queries', () => queue.countAhead(e)),
    length: (s) => counted(counts, 'queries', () => queue.length(s)),
  };
}

function countDirectory(directory: AgentDirectory, counts: Counts): AgentDirectory {
  return {
    candidatesFor: async (s) => {
      const found = await counted(counts, 'queries', () => directory.candidatesFor(s));
      counts.documentsReturned += found.length;
      return found;
    },
    staffedCapacity: (s) => counted(counts, 'queries', () => directory.staffedCapacity(s)),
    onDutyCount: (s) => counted(counts, 'queries', () => directory.onDutyCount(s)),
  };
}

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

const noSessions: SessionLog = { record: async () => undefined, averageHandleSeconds: async () => undefined };

interface World {
  counts: Counts;
  deps: DistributionDeps;
  containers: Record<'services' | 'agents' | 'tasks' | 'queue', Container>;
}

function world(database: ReturnType<CosmosClient['database']>, signal: DistributionSignal, notifier: AgentNotifier): World {
  const counts = zero();
  const containers = { services: database.container('services'), agents: database.container('agents'), tasks: database.container('tasks'), queue: database.container('queue') };
  const deps: DistributionDeps = {
    services: countStore(new CosmosDocumentStore<Service>(containers.services), counts),
    agents: countStore(new CosmosDocumentStore<Agent>(containers.agents, agentMapping), counts),
    tasks: countStore(new CosmosDocumentStore<Task>(containers.tasks), counts),
    queue: countQueue(new CosmosQueueStore(containers.queue), counts),
    directory: countDirectory(new CosmosAgentDirectory(containers.agents), counts),
    signal,
    timeouts: { schedule: async () => undefined },
    notifier,
    sessions: noSessions,
    clock: { now: () => new Date() },
  };
  return { counts, deps, containers };
}

const epoch = new Date('2026-11-21T08:00:00Z');

function serviceDoc(id: string): Service {
  return makeService(id, { afterCallWork: { durationSeconds: 0, extendable: false, maxExtensionSeconds: 0, canEndEarly: true }, maxQueueSize: 100_000, distribution: { policy: 'longest-idle', requiredSkills: [], ronaTimeoutSeconds: 60 } });
}

function agentDoc(id: string, serviceId: string, capacity: number): Agent {
  return makeAgent(id, [duty(serviceId)], { imCapacity: capacity, skills: {}, idleSince: new Date(epoch.getTime() + Number(id.replace(/\D/g, '') || 0)).toISOString() });
}

function taskDoc(id: string, serviceId: string, arrived: Date, priority = 1): { task: Task; entry: QueueEntry } {
  const at = arrived.toISOString();
  const task: Task = {
    id,
    serviceId,
    channel: 'external',
    state: 'queued',
    priority,
    enqueueOrder: enqueueOrderKey(arrived, id),
    parameters: {},
    offers: [],
    assignedAgentId: null,
    codes: [],
    tags: [],
    acw: null,
    callFlow: [{ serviceId, enteredAt: at, leftAt: null, reason: 'bench' }],
    timings: { createdAt: at, queuedAt: at, firstOfferedAt: null, connectedAt: null, wrapUpAt: null, endedAt: null },
    outcome: null,
  };
  return { task, entry: { id, serviceId, taskId: id, priority, enqueueOrder: task.enqueueOrder, enqueuedAt: at } };
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
  await inParallel(docs, 32, async ({ task, entry }) => {
    await w.containers.tasks.items.create({ ...task });
    await w.containers.queue.items.create({ ...entry });
  });
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
        await w.deps.tasks.replace(
          transition(stored.value, 'offered', { offers: [{ offerId: `${head.taskId}.offer-1`, agentId: decision.chosenAgentId, offeredAt: now, expiresAt: now, outcome: 'open', decidedAt: null, routing: decision }] }),
          stored.etag,
        );
        const agent = (await w.deps.agents.read(decision.chosenAgentId))!;
        await w.deps.agents.replace({ ...agent.value, offers: [...agent.value.offers, { offerId: `${head.taskId}.offer-1`, taskId: head.taskId, serviceId, offeredAt: now }], lastOfferAt: now }, agent.etag);
        await w.deps.queue.remove(serviceId, head.taskId);
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
      const w = world(database, signal, { notify: async () => undefined });
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

async function throughput(database: ReturnType<CosmosClient['database']>, agents: number, waiting: number, probes: number): Promise<void> {
  const serviceId = 'load';
  const offeredAt = new Map<string, number>();
  const enqueuedAt = new Map<string, number>();
  let doubleOffers = 0;
  let overCapacity = 0;
  const agentFailures: string[] = [];
  const signal = new SessionRunner();
  const actions: Promise<unknown>[] = [];
  const w = world(database, signal, {
    notify: async (agentId, eventId, event) => {
      if (event.type !== 'offer') return;
      if (offeredAt.has(event.taskId)) doubleOffers++;
      offeredAt.set(event.taskId, performance.now());
      // The agent accepts at once, chats for a moment and finishes (no ACW): capacity comes back.
      actions.push(
        (async () => {
          await acceptOffer(agentId, event.offerId, w.deps);
          await new Promise((r) => setTimeout(r, 20));
          const task = await finishTask(agentId, event.taskId, w.deps);
          if (task.state === 'wrap-up') await endAcw(agentId, event.taskId, w.deps);
        })().catch((err: unknown) => {
          agentFailures.push(err instanceof Error ? err.message : String(err));
        }),
      );
      void eventId;
    },
  });
  signal.deps = w.deps;
  const agentStore = w.deps.agents;
  w.deps = {
    ...w.deps,
    agents: {
      ...agentStore,
      read: (id) => agentStore.read(id),
      replace: async (value, etag) => {
        if (value.offers.length + value.tasks.length > value.imCapacity) overCapacity++;
        return agentStore.replace(value, etag);
      },
      create: (v) => agentStore.create(v),
      delete: (id, e) => agentStore.delete(id, e),
      list: (s, t) => agentStore.list(s, t),
    },
  };
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
  await signal.requestDistribution(serviceId);
  // Probes: high-priority tasks enqueued during the run; their wait is the distributor's latency.
  for (let i = 0; i < probes; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const { task, entry } = taskDoc(`probe-${i}`, serviceId, new Date(), 99);
    enqueuedAt.set(task.id, performance.now());
    await w.containers.tasks.items.create({ ...task });
    await w.containers.queue.items.create({ ...entry });
    await signal.requestDistribution(serviceId);
  }
  const deadline = performance.now() + 120_000;
  while (offeredAt.size < waiting + probes && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    await signal.requestDistribution(serviceId);
  }
  const seconds = (performance.now() - started) / 1000;
  await signal.idle();
  await Promise.allSettled(actions);
  const latencies = [...enqueuedAt.entries()].map(([id, at]) => (offeredAt.get(id) ?? Number.NaN) - at).filter(Number.isFinite).sort((a, b) => a - b);
  console.log(`\n${agents} agents (capacity 1), ${waiting} waiting tasks in one service, agents accept, chat 20 ms and finish:`);
  console.table({
    switchboard: {
      'offers made': offeredAt.size,
      'offers/s': Math.round(offeredAt.size / seconds),
      'probe enqueue-to-offer p50 ms': Math.round(percentile(latencies, 50)),
      'probe p99 ms': Math.round(percentile(latencies, 99)),
      probes: `${latencies.length}/${probes}`,
      'double offers': doubleOffers,
      'agent writes over capacity': overCapacity,
      '412s': w.counts.preconditionFailed,
      'agent action failures': agentFailures.length,
    },
  });
  if (agentFailures.length > 0) console.log(`first agent action failure: ${agentFailures[0] ?? ''}`);
  console.log(`targets: p50 <= 50 ms, p99 <= 250 ms, >= 200 offers/s, 0 double offers, 0 agents over capacity`);
}

/** A fresh Cosmos emulator with the manifest's containers; it scans whole containers, so each phase gets its own. */
async function withCosmos(work: (database: ReturnType<CosmosClient['database']>) => Promise<void>): Promise<void> {
  const port = await freePort();
  const cosmos = await startCosmos({ port, cwd: mkdtempSync(join(tmpdir(), 'bench-cosmos-')) });
  try {
    await provisionCosmos(resourceManifest.cosmos as unknown as Parameters<typeof provisionCosmos>[0], `http://127.0.0.1:${port}`, cosmosEmulatorKey);
    const client = new CosmosClient({ endpoint: `http://127.0.0.1:${port}`, key: cosmosEmulatorKey });
    try {
      await work(client.database(resourceManifest.cosmos.databaseName));
    } finally {
      client.dispose();
    }
  } finally {
    await cosmos.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  console.log('distribution: Switchboard distributor against the Cosmos emulator (@vercel/cosmosdb-server, in memory, in its own process).');
  console.log('Note: the emulator scans and sorts in JavaScript without indexes, so its latencies grow with data size where real Cosmos DB uses the composite index; the operation counts are what carries over.');
  await withCosmos((database) => costAtQueueLengths(database, quick ? [10, 100, 1000] : [10, 1000, 10_000], 20));
  await withCosmos((database) => throughput(database, quick ? 100 : 1000, quick ? 1000 : 10_000, quick ? 20 : 100));
}
