// In-memory implementations of the distribution ports for property tests: ETag semantics like
// Cosmos, a hook before every store call (so fast-check's scheduler can interleave concurrent
// use cases at each I/O), invariant checks on every write, and crash injection after a write.
import { freeSlots, profileOf, type Agent } from '../../src/domain/agent';
import type { Service } from '../../src/domain/service';
import { acceptable, accepted, finishable, finished, offered, terminalStates, type Offer, type Task } from '../../src/domain/task';
import {
  AlreadyExistsError,
  PreconditionFailedError,
  timeoutMessageId,
  type AgentDirectory,
  type AgentEvent,
  type AgentNotifier,
  type Clock,
  type DistributionDeps,
  type DistributionSignal,
  type DocumentStore,
  type Page,
  type QueueEntry,
  type QueueStore,
  type SessionLog,
  type SessionRecord,
  type TaskStore,
  type TimeoutMessage,
  type TimeoutScheduler,
  type Versioned,
} from '../../src/distribution/ports';

/**
 * The queue order the specification asks for, written independently of the production comparator
 * so that the tests are an oracle for it: priority descending, then arrival ascending.
 */
export function specifiedOrder(a: { priority: number; enqueueOrder: string }, b: { priority: number; enqueueOrder: string }): number {
  if (a.priority > b.priority) return -1;
  if (a.priority < b.priority) return 1;
  return a.enqueueOrder.localeCompare(b.enqueueOrder, 'en');
}

export class CrashError extends Error {
  override name = 'CrashError';
}

/** Shared by every store of one world: the I/O hook, the write counter and the crash switch. */
export class World {
  /** Called before every store operation; a fast-check scheduler makes it a point of interleaving. */
  beforeIo: (label: string) => Promise<void> = () => Promise.resolve();
  writes = 0;
  /** Throw a CrashError right after the write with this number (1-based) has been applied. */
  crashAfterWrite: number | undefined;
  /** Invariant violations seen on writes. */
  readonly violations: string[] = [];
  /** Counts the queue's writes: when an entry was put, against when a write was issued. */
  sequence = 0;
  /** What the queue has shown so far (set by the world, which owns the queue). */
  issued: () => IssuedContext = () => ({ sequence: this.sequence, waitingAtHeadRead: new Map() });

  /**
   * Set by the crash: the handler's process is gone, so each store call it still makes fails (a
   * call already past its I/O lands, as a request already sent does) until `restart()`.
   */
  down = false;

  async io(label: string): Promise<void> {
    this.#failIfDown(label);
    await this.beforeIo(label);
    this.#failIfDown(label);
  }

  wrote(): void {
    this.writes++;
    if (this.crashAfterWrite !== undefined && this.writes === this.crashAfterWrite) {
      this.down = true;
      throw new CrashError(`crash after write ${this.writes}`);
    }
  }

  /** A new process after a crash: once what the dead one still had under way has failed, store calls work again and no crash is armed. */
  async restart(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.down = false;
    this.crashAfterWrite = undefined;
  }

  #failIfDown(label: string): void {
    if (this.down) throw new CrashError(`${label} after the crash`);
  }
}

/** The store calls that write: those whose stores below call `World.wrote()`. */
const writeCalls = new Set(['create', 'replace', 'delete', 'offerQueued', 'acceptOpenOffer', 'finishConnected', 'put', 'remove', 'schedule']);

/** Runs `action` once, just before the world's first store call labelled `label`, which then goes on. */
export function onceBefore(w: MemoryDistribution, label: string, action: () => Promise<unknown> | void): void {
  let done = false;
  w.world.beforeIo = async (io) => {
    if (io !== label || done) return;
    done = true;
    await action();
  };
}

/**
 * The ports as one handler invocation sees them when it crashes right after its `afterWrite`-th
 * write: from then on each store call it (or work it started) makes fails, as from a dead process,
 * while every other invocation goes on. (World.crashAfterWrite crashes every handler of the world at
 * once; this crashes one among concurrent ones.) `only`: counts the writes to that port only.
 */
export function crashingDeps(deps: DistributionDeps, afterWrite: number, only?: Exclude<keyof DistributionDeps, 'clock'>): DistributionDeps {
  let writes = 0;
  let dead = false;
  const port = <T extends object>(target: T, portName: keyof DistributionDeps): T =>
    new Proxy(target, {
      get(object, name, receiver) {
        const member: unknown = Reflect.get(object, name, receiver);
        if (typeof member !== 'function' || typeof name !== 'string') return member;
        return async (...args: unknown[]) => {
          if (dead) throw new CrashError(`${name} after the crash`);
          const result: unknown = await (member as (...a: unknown[]) => Promise<unknown>).apply(object, args);
          if (writeCalls.has(name) && (only === undefined || only === portName) && ++writes === afterWrite) {
            dead = true;
            throw new CrashError(`crashed after its write ${writes}`);
          }
          if (dead) throw new CrashError(`${name} answered after the crash`);
          return result;
        };
      },
    });
  return {
    services: port(deps.services, 'services'),
    agents: port(deps.agents, 'agents'),
    tasks: port(deps.tasks, 'tasks'),
    queue: port(deps.queue, 'queue'),
    directory: port(deps.directory, 'directory'),
    signal: port(deps.signal, 'signal'),
    timeouts: port(deps.timeouts, 'timeouts'),
    notifier: port(deps.notifier, 'notifier'),
    sessions: port(deps.sessions, 'sessions'),
    clock: deps.clock,
  };
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/**
 * Checks a write with what was known when it was issued (`issued`, taken before its I/O): what a
 * caller had read by then is what it decided from; a read issued alongside the write cannot have
 * informed it, whichever lands first.
 */
export type WriteCheck<T> = (before: T | undefined, after: T, issued: IssuedContext) => void;

/** What the world's queue had shown each service when a write was issued. */
export interface IssuedContext {
  /** The world's sequence number when the write was issued. */
  readonly sequence: number;
  readonly waitingAtHeadRead: ReadonlyMap<string, ReadonlyMap<string, { etag: string; offers: number }>>;
}

export class MemoryStore<T extends { readonly id: string }> implements DocumentStore<T> {
  readonly docs = new Map<string, Versioned<T>>();
  readonly #world: World;
  readonly #name: string;
  readonly #onWrite: WriteCheck<T>;
  #etags = 0;

  constructor(world: World, name: string, onWrite: WriteCheck<T> = () => undefined) {
    this.#world = world;
    this.#name = name;
    this.#onWrite = onWrite;
  }

  #store(value: T): Versioned<T> {
    const versioned = { value: clone(value), etag: `"${this.#name}-${++this.#etags}"` };
    this.docs.set(value.id, versioned);
    return clone(versioned);
  }

  async read(id: string): Promise<Versioned<T> | undefined> {
    await this.#world.io(`${this.#name}.read`);
    const doc = this.docs.get(id);
    return doc ? clone(doc) : undefined;
  }

  async create(value: T): Promise<Versioned<T>> {
    const issued = this.#world.issued();
    await this.#world.io(`${this.#name}.create`);
    if (this.docs.has(value.id)) throw new AlreadyExistsError(value.id);
    this.#onWrite(undefined, value, issued);
    const stored = this.#store(value);
    this.#world.wrote();
    return stored;
  }

  async replace(value: T, etag: string): Promise<Versioned<T>> {
    const issued = this.#world.issued();
    await this.#world.io(`${this.#name}.replace`);
    const current = this.docs.get(value.id);
    if (!current || current.etag !== etag) throw new PreconditionFailedError(`${this.#name}/${value.id}`);
    this.#onWrite(current.value, value, issued);
    const stored = this.#store(value);
    this.#world.wrote();
    return stored;
  }

  /** Changes the document in one write when its ETag is still `etag` (as a Cosmos patch with If-Match does). */
  updateIf(id: string, etag: string, change: (value: T) => T, operation: string): Promise<Versioned<T>> {
    return this.updateWhen(id, (_value, currentEtag) => currentEtag === etag, change, operation);
  }

  /** A write conditional on the document as stored (a Cosmos patch with a filter predicate). */
  async updateWhen(id: string, condition: (value: T, etag: string) => boolean, change: (value: T) => T, operation: string): Promise<Versioned<T>> {
    const issued = this.#world.issued();
    await this.#world.io(`${this.#name}.${operation}`);
    const current = this.docs.get(id);
    if (!current || !condition(current.value, current.etag)) throw new PreconditionFailedError(`${this.#name}/${id}`);
    const value = change(clone(current.value));
    this.#onWrite(current.value, value, issued);
    const stored = this.#store(value);
    this.#world.wrote();
    return stored;
  }

  async delete(id: string, etag?: string): Promise<boolean> {
    await this.#world.io(`${this.#name}.delete`);
    const current = this.docs.get(id);
    if (!current) return false;
    if (etag !== undefined && current.etag !== etag) throw new PreconditionFailedError(`${this.#name}/${id}`);
    this.docs.delete(id);
    this.#world.wrote();
    return true;
  }

  async list(pageSize: number, continuationToken?: string): Promise<Page<T>> {
    await this.#world.io(`${this.#name}.list`);
    const all = [...this.docs.values()].sort((a, b) => (a.value.id < b.value.id ? -1 : 1));
    const start = continuationToken ? Number(continuationToken) : 0;
    const items = all.slice(start, start + pageSize).map(clone);
    return { items, continuationToken: start + pageSize < all.length ? String(start + pageSize) : undefined };
  }
}

export class MemoryTaskStore extends MemoryStore<Task> implements TaskStore {
  offerQueued(entry: QueueEntry, offer: Offer): Promise<Versioned<Task>> {
    return this.updateIf(entry.taskId, entry.taskEtag, (task) => offered(task, offer), 'offerQueued');
  }

  acceptOpenOffer(taskId: string, offerId: string, agentId: string, at: string): Promise<Versioned<Task>> {
    return this.updateWhen(taskId, (task) => acceptable(task, offerId, agentId, at), (task) => accepted(task, offerId, agentId, at), 'acceptOpenOffer');
  }

  finishConnected(taskId: string, offerId: string, agentId: string, at: Date, acwSeconds: number): Promise<Versioned<Task>> {
    return this.updateWhen(taskId, (task) => finishable(task, offerId, agentId, acwSeconds), (task) => finished(task, at, acwSeconds), 'finishConnected');
  }

  async openIn(serviceId: string, limit: number): Promise<readonly string[]> {
    await Promise.resolve();
    return [...this.docs.values()].filter((t) => t.value.serviceId === serviceId && !terminalStates.includes(t.value.state)).slice(0, limit).map((t) => t.value.id);
  }
}

interface StoredEntry {
  entry: QueueEntry;
  etag: string;
  /** The world's sequence number when this entry was (re)written. */
  putSeq: number;
}

export class MemoryQueue implements QueueStore {
  readonly entries = new Map<string, StoredEntry>();
  /** The tasks that were queued (waiting) at each service's latest head read (latest issued), with their ETags and offer counts then. */
  readonly waitingAtHeadRead = new Map<string, ReadonlyMap<string, { etag: string; offers: number }>>();
  /** Tells the queue which tasks are queued right now (set by the world, which owns the task store). */
  queuedTasks: () => ReadonlyMap<string, { etag: string; offers: number }> = () => new Map();
  readonly #world: World;
  #etags = 0;
  /** Head reads in the order they were issued, and the latest issued of those landed, per service. */
  #reads = 0;
  readonly #latestRead = new Map<string, number>();

  constructor(world: World) {
    this.#world = world;
  }

  #key(serviceId: string, taskId: string): string {
    return `${serviceId}/${taskId}`;
  }

  ordered(serviceId: string): StoredEntry[] {
    return [...this.entries.values()].filter((e) => e.entry.serviceId === serviceId).sort((a, b) => specifiedOrder(a.entry, b.entry));
  }

  async put(entry: QueueEntry): Promise<Versioned<QueueEntry>> {
    await this.#world.io('queue.put');
    const stored = { entry: clone(entry), etag: `"q-${++this.#etags}"`, putSeq: ++this.#world.sequence };
    this.entries.set(this.#key(entry.serviceId, entry.taskId), stored);
    this.#world.wrote();
    return { value: clone(entry), etag: stored.etag };
  }

  async read(serviceId: string, taskId: string): Promise<Versioned<QueueEntry> | undefined> {
    await this.#world.io('queue.read');
    const stored = this.entries.get(this.#key(serviceId, taskId));
    return stored ? { value: clone(stored.entry), etag: stored.etag } : undefined;
  }

  async first(serviceId: string, limit: number): Promise<readonly Versioned<QueueEntry>[]> {
    const issuedAs = ++this.#reads;
    await this.#world.io('queue.first');
    // What a round decides from is its latest read: one it issued earlier and no longer uses (a read
    // ahead it dropped) may land later, and must not count as what the round saw.
    if (issuedAs > (this.#latestRead.get(serviceId) ?? 0)) {
      this.#latestRead.set(serviceId, issuedAs);
      this.waitingAtHeadRead.set(serviceId, this.queuedTasks());
    }
    return this.ordered(serviceId)
      .slice(0, limit)
      .map((e) => ({ value: clone(e.entry), etag: e.etag }));
  }

  async remove(serviceId: string, taskId: string, etag?: string): Promise<boolean> {
    await this.#world.io('queue.remove');
    const key = this.#key(serviceId, taskId);
    const stored = this.entries.get(key);
    if (!stored) return false;
    if (etag !== undefined && stored.etag !== etag) throw new PreconditionFailedError(`queue/${key}`);
    this.entries.delete(key);
    this.#world.wrote();
    return true;
  }

  async countAhead(entry: QueueEntry): Promise<number> {
    await this.#world.io('queue.countAhead');
    return this.ordered(entry.serviceId).filter((e) => specifiedOrder(e.entry, entry) < 0).length;
  }

  async length(serviceId: string): Promise<number> {
    await this.#world.io('queue.length');
    return this.ordered(serviceId).length;
  }
}

class MemoryDirectory implements AgentDirectory {
  readonly #agents: MemoryStore<Agent>;
  readonly #world: World;
  constructor(world: World, agents: MemoryStore<Agent>) {
    this.#world = world;
    this.#agents = agents;
  }
  async candidatesFor(serviceId: string): Promise<readonly Versioned<Agent>[]> {
    await this.#world.io('agents.query');
    return [...this.#agents.docs.values()].filter((a) => a.value.memberships.some((m) => m.serviceId === serviceId) && a.value.presence === 'available' && freeSlots(a.value) > 0).map(clone);
  }
  async onDutyCount(serviceId: string): Promise<number> {
    await this.#world.io('agents.count');
    return this.#staffing(serviceId).length;
  }
  async staffedCapacity(serviceId: string): Promise<number> {
    await this.#world.io('agents.capacity');
    return this.#staffing(serviceId).reduce((sum, a) => sum + a.value.imCapacity, 0);
  }
  /** As the Cosmos directory counts them: signed in, IM-licensed and on duty in the service. */
  #staffing(serviceId: string): Versioned<Agent>[] {
    return [...this.#agents.docs.values()].filter((a) => a.value.imLicensed && a.value.presence !== 'offline' && a.value.memberships.some((m) => m.serviceId === serviceId && profileOf(a.value, m.profile)?.onDuty));
  }
  async members(serviceId: string, limit: number): Promise<readonly string[]> {
    await this.#world.io('agents.members');
    return [...this.#agents.docs.values()].filter((a) => a.value.memberships.some((m) => m.serviceId === serviceId)).slice(0, limit).map((a) => a.value.id);
  }
}

export class RecordingSignal implements DistributionSignal {
  readonly requests: { serviceId: string; reason: string }[] = [];
  async requestDistribution(serviceId: string, reason: string): Promise<void> {
    this.requests.push({ serviceId, reason });
  }
}

export class RecordingTimeouts implements TimeoutScheduler {
  /**
   * By message id: scheduling the same message twice is one delivery, as with duplicate detection,
   * also once it has been delivered (`delivered`, as marked by whoever delivers it).
   */
  readonly scheduled = new Map<string, { message: TimeoutMessage; at: string; delivered: boolean }>();
  readonly #world: World;
  constructor(world: World) {
    this.#world = world;
  }
  async schedule(message: TimeoutMessage, at: Date): Promise<void> {
    await this.#world.io('timeouts.schedule');
    const id = timeoutMessageId(message);
    if (!this.scheduled.has(id)) this.scheduled.set(id, { message: clone(message), at: at.toISOString(), delivered: false });
    this.#world.wrote();
  }

  /** The ring-out timer of this offer as the task records it, if it was scheduled. */
  ringOutOf(task: { readonly id: string }, offer: { readonly offerId: string; readonly expiresAt: string }): { message: TimeoutMessage; at: string; delivered: boolean } | undefined {
    return this.scheduled.get(timeoutMessageId({ kind: 'offer', taskId: task.id, offerId: offer.offerId, expiresAt: offer.expiresAt }));
  }
}

export class RecordingNotifier implements AgentNotifier {
  readonly events = new Map<string, { agentId: string; event: AgentEvent }>();
  async notify(agentId: string, eventId: string, event: AgentEvent): Promise<void> {
    this.events.set(eventId, { agentId, event: clone(event) });
  }
}

export class MemorySessions implements SessionLog {
  readonly records = new Map<string, SessionRecord>();
  async record(session: SessionRecord): Promise<void> {
    this.records.set(session.id, clone(session));
  }
  async averageHandleSeconds(serviceId: string): Promise<number | undefined> {
    const handled = [...this.records.values()].filter((r) => r.serviceId === serviceId && r.handleSeconds !== null);
    return handled.length === 0 ? undefined : handled.reduce((s, r) => s + (r.handleSeconds ?? 0), 0) / handled.length;
  }
}

export class ManualClock implements Clock {
  #now: number;
  constructor(start = Date.parse('2026-11-21T09:00:00Z')) {
    this.#now = start;
  }
  now(): Date {
    return new Date(this.#now);
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

export interface MemoryDistribution {
  readonly world: World;
  readonly deps: DistributionDeps;
  readonly services: MemoryStore<Service>;
  readonly agents: MemoryStore<Agent>;
  readonly tasks: MemoryTaskStore;
  readonly queue: MemoryQueue;
  readonly signal: RecordingSignal;
  readonly timeouts: RecordingTimeouts;
  readonly notifier: RecordingNotifier;
  readonly sessions: MemorySessions;
  readonly clock: ManualClock;
}

/** Invariants 1 and 2 checked on every write; invariant 3 on every claim. */
export function createMemoryDistribution(clock = new ManualClock()): MemoryDistribution {
  const world = new World();
  const queue = new MemoryQueue(world);
  world.issued = () => ({ sequence: world.sequence, waitingAtHeadRead: new Map(queue.waitingAtHeadRead) });
  const tasks = new MemoryTaskStore(world, 'tasks', (before, after, issued) => {
    const open = after.offers.filter((o) => o.outcome === 'open').length;
    const accepted = after.offers.filter((o) => o.outcome === 'accepted').length;
    if (open > 1) world.violations.push(`task ${after.id} has ${open} open offers`);
    if (accepted > 1) world.violations.push(`task ${after.id} was accepted by ${accepted} agents`);
    if (before && before.assignedAgentId !== null && after.assignedAgentId !== before.assignedAgentId) world.violations.push(`task ${after.id} changed its connected agent`);
    if (before?.state === 'queued' && after.state === 'offered') {
      // Invariant 3: nothing the round knew to be waiting when it issued the claim may be ahead of the
      // task offered: what its last read of the head showed waiting, and a task it withdrew itself
      // and put back in the queue before then. Only a round withdraws an offer before its ring-out
      // time; one withdrawn at or after it (by its timer, when the agent was never told of it) raced
      // the round as a ring-out does, and one a round withdrew then ended the round's batch, so the
      // round's next read of the head saw it.
      const withdrawnByRound = (o: Offer): boolean => o.outcome === 'withdrawn' && o.decidedAt !== null && o.decidedAt < o.expiresAt;
      const wentBack = (e: StoredEntry, now: Versioned<Task>): boolean => {
        const last = now.value.offers.at(-1);
        return e.putSeq < issued.sequence && e.entry.taskEtag === now.etag && last !== undefined && withdrawnByRound(last);
      };
      const ahead = queue
        .ordered(after.serviceId)
        .filter((e) => e.entry.taskId !== after.id && specifiedOrder(e.entry, { priority: after.priority, enqueueOrder: after.enqueueOrder }) < 0)
        // Only tasks that waited when the round read the queue and have waited since: unchanged (same
        // ETag), or claimed and withdrawn again without reaching an agent. An entry whose task is offered
        // is only waiting to be tidied away, and a task declined or rung out meanwhile raced the round.
        .filter((e) => {
          const now = tasks.docs.get(e.entry.taskId);
          const then = issued.waitingAtHeadRead.get(after.serviceId)?.get(e.entry.taskId);
          if (now?.value.state !== 'queued') return false;
          if (wentBack(e, now)) return true;
          if (then === undefined) return false;
          if (now.etag === then.etag) return true;
          // Changed since: passed over if the only offers made meanwhile were withdrawn by a round (never reached anyone).
          const since = now.value.offers.slice(then.offers);
          return since.length > 0 && since.every(withdrawnByRound);
        });
      for (const e of ahead) world.violations.push(`task ${after.id} offered while ${e.entry.taskId} waited ahead of it`);
    }
  });
  const agents = new MemoryStore<Agent>(world, 'agents', (_before, after) => {
    const load = after.offers.length + after.tasks.length;
    if (load > after.imCapacity) world.violations.push(`agent ${after.id} holds ${load} chats with capacity ${after.imCapacity}`);
  });
  // A task waits in the queue once its entry shows it as it is: a declined task is queued by its own
  // write and then re-enters the queue with a new entry; until then a round cannot see it waiting.
  queue.queuedTasks = () =>
    new Map(
      [...tasks.docs.values()]
        .filter((d) => d.value.state === 'queued' && queue.entries.get(`${d.value.serviceId}/${d.value.id}`)?.entry.taskEtag === d.etag)
        .map((d) => [d.value.id, { etag: d.etag, offers: d.value.offers.length }]),
    );
  const services = new MemoryStore<Service>(world, 'services');
  const signal = new RecordingSignal();
  const timeouts = new RecordingTimeouts(world);
  const notifier = new RecordingNotifier();
  const sessions = new MemorySessions();
  const deps: DistributionDeps = { services, agents, tasks, queue, directory: new MemoryDirectory(world, agents), signal, timeouts, notifier, sessions, clock };
  return { world, deps, services, agents, tasks, queue, signal, timeouts, notifier, sessions, clock };
}
