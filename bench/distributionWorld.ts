// The distribution benchmark's world: the Cosmos-backed stores, each operation counted, and the
// documents it loads. Shared by the benchmark and its agents' worker thread.
import type { CosmosClient, Container } from '@azure/cosmos';
import type { Agent } from '../src/domain/agent';
import { enqueueOrderKey } from '../src/domain/queueOrder';
import type { Service } from '../src/domain/service';
import type { Task } from '../src/domain/task';
import {
  PreconditionFailedError,
  type AgentDirectory,
  type AgentNotifier,
  type DistributionDeps,
  type DistributionSignal,
  type DocumentStore,
  type QueueStore,
  type SessionLog,
  type TaskStore,
} from '../src/distribution/ports';
import { agentMapping, CosmosAgentDirectory } from '../src/storage/agentDocuments';
import { CosmosDocumentStore } from '../src/storage/cosmosDocumentStore';
import { CosmosQueueStore } from '../src/storage/cosmosQueueStore';
import { CosmosTaskStore } from '../src/storage/cosmosTaskStore';
import { CosmosAgentNotifier } from '../src/storage/cosmosAgentNotifier';
import { CosmosSessionLog } from '../src/storage/cosmosSessionLog';
import { queueEntry } from '../src/distribution/requeue';
import { duty, makeAgent, makeService } from '../test/support/distributionFixtures';

export interface Counts {
  reads: number;
  writes: number;
  queries: number;
  preconditionFailed: number;
  /** Documents queries returned: the part of a query's cost that grows with what it touches. */
  documentsReturned: number;
}

export const zero = (): Counts => ({ reads: 0, writes: 0, queries: 0, preconditionFailed: 0, documentsReturned: 0 });

/** Where a world's store calls are counted, and the latency added before each (0: none). */
export interface Meter {
  readonly counts: Counts;
  readonly latencyMs: number;
}

export async function counted<T>({ counts, latencyMs }: Meter, kind: 'reads' | 'writes' | 'queries', work: () => Promise<T>): Promise<T> {
  counts[kind]++;
  if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
  try {
    return await work();
  } catch (err) {
    if (err instanceof PreconditionFailedError) counts.preconditionFailed++;
    throw err;
  }
}

export function countStore<T extends { id: string }>(store: DocumentStore<T>, meter: Meter): DocumentStore<T> {
  return {
    read: (id) => counted(meter, 'reads', () => store.read(id)),
    create: (value) => counted(meter, 'writes', () => store.create(value)),
    replace: (value, etag) => counted(meter, 'writes', () => store.replace(value, etag)),
    delete: (id, etag) => counted(meter, 'writes', () => store.delete(id, etag)),
    list: (size, token) => counted(meter, 'queries', () => store.list(size, token)),
  };
}

export function countTasks(store: TaskStore, meter: Meter): TaskStore {
  return {
    ...countStore(store, meter),
    offerQueued: (entry, offer) => counted(meter, 'writes', () => store.offerQueued(entry, offer)),
    acceptOpenOffer: (taskId, offerId, agentId, at) => counted(meter, 'writes', () => store.acceptOpenOffer(taskId, offerId, agentId, at)),
    finishConnected: (taskId, offerId, agentId, at, acwSeconds) => counted(meter, 'writes', () => store.finishConnected(taskId, offerId, agentId, at, acwSeconds)),
    openIn: (serviceId, limit) => counted(meter, 'queries', () => store.openIn(serviceId, limit)),
  };
}

export function countQueue(queue: QueueStore, meter: Meter): QueueStore {
  return {
    put: (entry) => counted(meter, 'writes', () => queue.put(entry)),
    read: (s, t) => counted(meter, 'reads', () => queue.read(s, t)),
    first: async (s, limit) => {
      const entries = await counted(meter, 'queries', () => queue.first(s, limit));
      meter.counts.documentsReturned += entries.length;
      return entries;
    },
    remove: (s, t, e) => counted(meter, 'writes', () => queue.remove(s, t, e)),
    countAhead: (e) => counted(meter, 'queries', () => queue.countAhead(e)),
    length: (s) => counted(meter, 'queries', () => queue.length(s)),
  };
}

export function countDirectory(directory: AgentDirectory, meter: Meter): AgentDirectory {
  return {
    candidatesFor: async (s) => {
      const found = await counted(meter, 'queries', () => directory.candidatesFor(s));
      meter.counts.documentsReturned += found.length;
      return found;
    },
    staffedCapacity: (s) => counted(meter, 'queries', () => directory.staffedCapacity(s)),
    onDutyCount: (s) => counted(meter, 'queries', () => directory.onDutyCount(s)),
    members: (s, limit) => counted(meter, 'queries', () => directory.members(s, limit)),
  };
}

export function countSessions(sessions: SessionLog, meter: Meter): SessionLog {
  return {
    record: (session) => counted(meter, 'writes', () => sessions.record(session)),
    averageHandleSeconds: (serviceId, latest) => counted(meter, 'queries', () => sessions.averageHandleSeconds(serviceId, latest)),
  };
}

/** The agent's notification stored as production stores it (counted), then shown to `observer`. */
export function countNotifier(notifier: AgentNotifier, meter: Meter, observer: AgentNotifier): AgentNotifier {
  return {
    notify: async (agentId, eventId, event) => {
      await counted(meter, 'writes', () => notifier.notify(agentId, eventId, event));
      await observer.notify(agentId, eventId, event);
    },
  };
}

export const unobserved: AgentNotifier = { notify: async () => undefined };

export interface World {
  counts: Counts;
  deps: DistributionDeps;
  containers: Record<'services' | 'agents' | 'tasks' | 'queue' | 'events' | 'sessions', Container>;
}

/**
 * The distribution ports on Cosmos as production has them, each call counted, but for Service Bus:
 * `signal` stands for the `distribute` queue, and the ring-out timer's scheduled message is not
 * sent. Offer notifications are stored in `events` and then shown to `observer`. `latencyMs`: added
 * before every store call, as a round trip to Cosmos DB would take, and before each ring-out timer
 * (which a round waits for before claiming the agent's slot), as a round trip to Service Bus would.
 */
export function world(database: ReturnType<CosmosClient['database']>, signal: DistributionSignal, observer: AgentNotifier, latencyMs = 0): World {
  const counts = zero();
  const meter: Meter = { counts, latencyMs };
  const containers = {
    services: database.container('services'),
    agents: database.container('agents'),
    tasks: database.container('tasks'),
    queue: database.container('queue'),
    events: database.container('events'),
    sessions: database.container('sessions'),
  };
  const deps: DistributionDeps = {
    services: countStore(new CosmosDocumentStore<Service>(containers.services), meter),
    agents: countStore(new CosmosDocumentStore<Agent>(containers.agents, agentMapping), meter),
    tasks: countTasks(new CosmosTaskStore(containers.tasks), meter),
    queue: countQueue(new CosmosQueueStore(containers.queue), meter),
    directory: countDirectory(new CosmosAgentDirectory(containers.agents), meter),
    signal,
    timeouts: { schedule: () => (latencyMs > 0 ? new Promise((resolve) => setTimeout(resolve, latencyMs)) : Promise.resolve()) },
    notifier: countNotifier(new CosmosAgentNotifier(containers.events, () => new Date()), meter, observer),
    sessions: countSessions(new CosmosSessionLog(containers.sessions), meter),
    clock: { now: () => new Date() },
  };
  return { counts, deps, containers };
}

export const epoch = new Date('2026-11-21T08:00:00Z');

export function serviceDoc(id: string): Service {
  return makeService(id, { afterCallWork: { durationSeconds: 0, extendable: false, maxExtensionSeconds: 0, canEndEarly: true }, maxQueueSize: 100_000, distribution: { policy: 'longest-idle', requiredSkills: [], ronaTimeoutSeconds: 60 } });
}

export function agentDoc(id: string, serviceId: string, capacity: number): Agent {
  return makeAgent(id, [duty(serviceId)], { imCapacity: capacity, skills: {}, idleSince: new Date(epoch.getTime() + Number(id.replace(/\D/g, '') || 0)).toISOString() });
}

export function taskDoc(id: string, serviceId: string, arrived: Date, priority = 1): Task {
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
  return task;
}

/** Writes a queued task and its queue entry straight to the containers (not counted). */
export async function enqueue(w: World, task: Task): Promise<void> {
  const { resource } = await w.containers.tasks.items.create({ ...task });
  if (!resource?._etag) throw new Error(`no ETag for task ${task.id}`);
  await w.containers.queue.items.create({ ...queueEntry({ value: task, etag: resource._etag }, new Date()) });
}

/** Counts every agent write that would put the agent over capacity (there must be none). */
export function guardCapacity(w: World): { readonly overCapacity: number } {
  const counter = { overCapacity: 0 };
  const agents = w.deps.agents;
  const replace: typeof agents.replace = (value, etag) => {
    if (value.offers.length + value.tasks.length > value.imCapacity) counter.overCapacity++;
    return agents.replace(value, etag);
  };
  w.deps = { ...w.deps, agents: { ...agents, replace } };
  return counter;
}
