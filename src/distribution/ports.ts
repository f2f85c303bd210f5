// What distribution needs from the outside world; storage and messaging adapters implement these.
import type { Agent } from '../domain/agent';
import type { Service } from '../domain/service';
import type { Offer, Task } from '../domain/task';

export interface Versioned<T> {
  readonly value: T;
  readonly etag: string;
}

/** A conditional write lost a race: re-read and decide again. */
export class PreconditionFailedError extends Error {
  override name = 'PreconditionFailedError';
}

/** A list was asked to continue from a token that is not one of its pages' (edited, made up). */
export class InvalidPageTokenError extends Error {
  override name = 'InvalidPageTokenError';
}

/** A create found the id taken. */
export class AlreadyExistsError extends Error {
  override name = 'AlreadyExistsError';
}

export interface Page<T> {
  readonly items: readonly Versioned<T>[];
  readonly continuationToken: string | undefined;
}

export interface DocumentStore<T extends { readonly id: string }> {
  read(id: string): Promise<Versioned<T> | undefined>;
  /** Throws AlreadyExistsError when the id is taken. */
  create(value: T): Promise<Versioned<T>>;
  /** Throws PreconditionFailedError when the stored ETag is not `etag` (or the document is gone). */
  replace(value: T, etag: string): Promise<Versioned<T>>;
  /** Returns false when there was nothing to delete; throws PreconditionFailedError on a stale `etag`. */
  delete(id: string, etag?: string): Promise<boolean>;
  list(pageSize: number, continuationToken?: string): Promise<Page<T>>;
}

export interface QueueEntry {
  readonly id: string;
  readonly serviceId: string;
  readonly taskId: string;
  readonly priority: number;
  readonly enqueueOrder: string;
  readonly enqueuedAt: string;
  /**
   * The task as it was queued, which is what the distributor needs to decide and claim it without
   * reading it: its ETag then, how many offers it had and who refused it. A task changed since (its
   * ETag differs) is read and decided from what it says now.
   */
  readonly taskEtag: string;
  readonly offerCount: number;
  readonly refusedBy: readonly string[];
  /** Of those, who only let it ring out (absent in entries written before it was kept). */
  readonly rangOutBy?: readonly string[];
}

export interface TaskStore extends DocumentStore<Task> {
  /**
   * Offers the queued task its entry describes (queued -> offered, the open offer added), in one
   * write conditional on the entry's task ETag, without reading the task. Throws
   * PreconditionFailedError when the task has changed since the entry was written, or is gone.
   */
  offerQueued(entry: QueueEntry, offer: Offer): Promise<Versioned<Task>>;
  /**
   * Accepts the offer (offered -> connected, as the domain's `accepted`) in one write conditional on
   * the domain's `acceptable`, without reading the task. Throws PreconditionFailedError when the task
   * is not acceptable so, or is gone.
   */
  acceptOpenOffer(taskId: string, offerId: string, agentId: string, at: string): Promise<Versioned<Task>>;
  /**
   * Finishes the chat (into ACW, or closed when `acwSeconds` is 0, as the domain's `finished`) in one
   * write conditional on the domain's `finishable`, without reading the task. Throws
   * PreconditionFailedError when the task is not finishable so, or is gone.
   */
  finishConnected(taskId: string, offerId: string, agentId: string, at: Date, acwSeconds: number): Promise<Versioned<Task>>;
  /** Up to `limit` ids of the service's tasks that are not over (in a state other than the domain's `terminalStates`). */
  openIn(serviceId: string, limit: number): Promise<readonly string[]>;
}

/** The waiting queue, one partition per service: every read here is single-partition. */
export interface QueueStore {
  /** Creates or overwrites the task's entry (re-queueing keeps its enqueueOrder). */
  put(entry: QueueEntry): Promise<Versioned<QueueEntry>>;
  read(serviceId: string, taskId: string): Promise<Versioned<QueueEntry> | undefined>;
  /** The first `limit` entries of the service's queue, in queue order. */
  first(serviceId: string, limit: number): Promise<readonly Versioned<QueueEntry>[]>;
  remove(serviceId: string, taskId: string, etag?: string): Promise<boolean>;
  /** How many entries of the service wait ahead of `entry`. */
  countAhead(entry: QueueEntry): Promise<number>;
  length(serviceId: string): Promise<number>;
}

export interface AgentDirectory {
  /** Agents who are members of the service, available and with a free slot; the domain decides the rest. */
  candidatesFor(serviceId: string): Promise<readonly Versioned<Agent>[]>;
  /** Total IM capacity of the service's on-duty agents who are signed in. */
  staffedCapacity(serviceId: string): Promise<number>;
  /** How many of the service's agents are on duty and signed in (not offline). */
  onDutyCount(serviceId: string): Promise<number>;
  /** Up to `limit` ids of the service's member agents, whatever their presence and profile. */
  members(serviceId: string, limit: number): Promise<readonly string[]>;
}

export interface DistributionSignal {
  /** Asks for a distribution round for the service (a `distribute` message, session = serviceId). */
  requestDistribution(serviceId: string, reason: string): Promise<void>;
}

export type TimeoutMessage =
  /**
   * An offer's ring-out. `expiresAt`, the offer's ring-out time, tells this claim's timer from that
   * of an earlier claim of the same offer id that did not hold (its timer goes out with the claim).
   */
  | { readonly kind: 'offer'; readonly taskId: string; readonly offerId: string; readonly expiresAt: string }
  /**
   * A second look, shortly after a cancel or a transfer settled an open offer whose agent did not
   * hold its slot yet: a slot claim in flight then may have landed since (settledOffers.ts).
   */
  | { readonly kind: 'settled-offer'; readonly taskId: string; readonly offerId: string }
  | { readonly kind: 'acw'; readonly taskId: string; readonly acwVersion: number };

/** The message's id: duplicate detection turns scheduling the same message twice into one delivery. */
export function timeoutMessageId(message: TimeoutMessage): string {
  switch (message.kind) {
    case 'offer':
      return `offer:${message.offerId}@${message.expiresAt}`;
    case 'settled-offer':
      return `settled-offer:${message.offerId}`;
    case 'acw':
      return `acw:${message.taskId}:${message.acwVersion}`;
  }
}

export interface TimeoutScheduler {
  /** Schedules `message` at `at`; scheduling the same message twice delivers it once. */
  schedule(message: TimeoutMessage, at: Date): Promise<void>;
}

export type AgentEvent =
  | { readonly type: 'offer'; readonly offerId: string; readonly taskId: string; readonly serviceId: string; readonly expiresAt: string }
  | { readonly type: 'offer-withdrawn'; readonly offerId: string; readonly taskId: string; readonly reason: string }
  | { readonly type: 'rona'; readonly offerId: string; readonly taskId: string };

export interface AgentNotifier {
  /** Pushes an event to the agent's feed; the same event id twice is one event. */
  notify(agentId: string, eventId: string, event: AgentEvent): Promise<void>;
}

export interface SessionRecord {
  readonly id: string;
  readonly serviceId: string;
  readonly taskId: string;
  readonly agentId: string | null;
  readonly outcome: string;
  readonly queuedAt: string | null;
  readonly connectedAt: string | null;
  readonly endedAt: string;
  readonly waitSeconds: number | null;
  readonly handleSeconds: number | null;
  readonly codes: readonly string[];
  readonly tags: readonly string[];
}

export interface SessionLog {
  /** Records a finished task for reporting; writing the same record twice keeps one. */
  record(session: SessionRecord): Promise<void>;
  /** Average handle time (connected to closed) of the service's latest sessions, or undefined without history. */
  averageHandleSeconds(serviceId: string, latest: number): Promise<number | undefined>;
}

export interface Clock {
  now(): Date;
}

export interface DistributionDeps {
  readonly services: DocumentStore<Service>;
  readonly agents: DocumentStore<Agent>;
  readonly tasks: TaskStore;
  readonly queue: QueueStore;
  readonly directory: AgentDirectory;
  readonly signal: DistributionSignal;
  readonly timeouts: TimeoutScheduler;
  readonly notifier: AgentNotifier;
  readonly sessions: SessionLog;
  readonly clock: Clock;
}
