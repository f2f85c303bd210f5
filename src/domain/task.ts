// An IM task and its lifecycle: every state change goes through `transition`, which refuses illegal ones.
import { DomainError } from './errors';
import type { RoutingDecision } from './routing';
import type { AfterCallWork } from './service';

export type TaskState = 'created' | 'in-workflow' | 'queued' | 'offered' | 'connected' | 'wrap-up' | 'closed' | 'cancelled' | 'abandoned' | 'failed' | 'transferred';

/**
 * What became of an offer: accepted or declined by its agent; rung out (RONA); withdrawn (the agent
 * could not hold it, or was never told of it, or the task was transferred); cancelled with its task;
 * recalled, because its agent went busy, away or offline while it rang.
 */
export type OfferOutcome = 'open' | 'accepted' | 'declined' | 'rona' | 'withdrawn' | 'cancelled' | 'recalled';

export interface Offer {
  readonly offerId: string;
  readonly agentId: string;
  readonly offeredAt: string;
  readonly expiresAt: string;
  readonly outcome: OfferOutcome;
  readonly decidedAt: string | null;
  readonly routing: RoutingDecision;
  /**
   * The After Call Work rules of the service that made the offer, as they were then: a chat's ACW
   * follows the rules it was offered under, and a change to the service applies to later offers.
   */
  readonly afterCallWork: AfterCallWork;
}

export interface CallFlowStep {
  readonly serviceId: string;
  readonly enteredAt: string;
  readonly leftAt: string | null;
  readonly reason: string;
}

export interface Task {
  readonly id: string;
  readonly serviceId: string;
  readonly channel: string;
  readonly state: TaskState;
  readonly priority: number;
  /** Arrival order within the service; kept when an offer rings out so the task keeps its place. */
  readonly enqueueOrder: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly offers: readonly Offer[];
  readonly assignedAgentId: string | null;
  readonly codes: readonly string[];
  readonly tags: readonly string[];
  /** After Call Work: when it ends, how often it was extended, and the Idempotency-Keys of its extensions (a retry of one changes nothing). */
  readonly acw: {
    readonly endsAt: string;
    readonly extensions: number;
    /**
     * The Idempotency-Keys of the keyed extensions (the most recent maxKeptExtensionKeys) and how
     * long each was, so a retry of any of them is told from a key reused for another extension.
     */
    readonly extensionKeys?: readonly AcwExtensionKey[];
    /** Kept by tasks stored before extensionKeys: the last extension's key and length only. */
    readonly lastExtensionKey?: string | null;
    readonly lastExtensionSeconds?: number;
  } | null;
  readonly callFlow: readonly CallFlowStep[];
  readonly timings: {
    readonly createdAt: string;
    readonly queuedAt: string | null;
    readonly firstOfferedAt: string | null;
    readonly connectedAt: string | null;
    readonly wrapUpAt: string | null;
    readonly endedAt: string | null;
  };
  readonly outcome: string | null;
  /**
   * The fingerprint of the create request that carried an Idempotency-Key (its priority, parameters
   * and channel): a retry with the same key must be the same request. Absent without a key.
   */
  readonly requestFingerprint?: string;
}

const legal: Readonly<Record<TaskState, readonly TaskState[]>> = {
  created: ['in-workflow', 'queued', 'cancelled'],
  'in-workflow': ['queued', 'cancelled', 'abandoned', 'failed', 'transferred', 'closed'],
  queued: ['offered', 'cancelled', 'abandoned', 'in-workflow', 'transferred', 'failed'],
  offered: ['connected', 'queued', 'cancelled', 'abandoned'],
  connected: ['wrap-up', 'transferred'],
  'wrap-up': ['closed'],
  transferred: ['in-workflow', 'queued'],
  closed: [],
  cancelled: [],
  abandoned: [],
  failed: [],
};

export const terminalStates: readonly TaskState[] = ['closed', 'cancelled', 'abandoned', 'failed'];

export function canTransition(from: TaskState, to: TaskState): boolean {
  return legal[from].includes(to);
}

/** The task in state `to`, or a TASK.ILLEGAL_TRANSITION error naming both states. */
export function transition(task: Task, to: TaskState, changes: Partial<Omit<Task, 'id' | 'state'>> = {}): Task {
  if (!canTransition(task.state, to)) {
    throw new DomainError('TASK.ILLEGAL_TRANSITION', `task ${task.id} is ${task.state}; it cannot become ${to}`, { taskId: task.id, from: task.state, to });
  }
  return { ...task, ...changes, state: to };
}

export function openOffer(task: Task): Offer | undefined {
  return task.offers.find((o) => o.outcome === 'open');
}

/** The offer the agent handling the task accepted (the latest, should the task have been offered again since). */
export function acceptedOffer(task: Task): Offer | undefined {
  for (let i = task.offers.length - 1; i >= 0; i--) if (task.offers[i]?.outcome === 'accepted') return task.offers[i];
  return undefined;
}

/** Offer ids are derived from the task and its offer count, so a retried round reuses the same id. */
export function nextOfferId(taskId: string, offersSoFar: number): string {
  return `${taskId}.offer-${offersSoFar + 1}`;
}

/** The agents who declined the task or let it ring out: the distributor prefers others. */
export function refusedBy(task: Task): readonly string[] {
  return task.offers.filter((o) => o.outcome === 'declined' || o.outcome === 'rona').map((o) => o.agentId);
}

/** Of those, the agents who let it ring out and never declined it (the routing log tells them apart). */
export function rangOutBy(task: Task): readonly string[] {
  const declined = new Set(task.offers.filter((o) => o.outcome === 'declined').map((o) => o.agentId));
  return task.offers.filter((o) => o.outcome === 'rona' && !declined.has(o.agentId)).map((o) => o.agentId);
}

/** A queued task offered to an agent: the open offer added, and the time of its first offer kept. */
export function offered(task: Task, offer: Offer): Task {
  return transition(task, 'offered', {
    offers: [...task.offers, offer],
    timings: { ...task.timings, firstOfferedAt: task.timings.firstOfferedAt ?? offer.offeredAt },
  });
}

/**
 * Whether the task can be accepted with `offerId` by `agentId` at `at`: offered, with that offer
 * theirs, open and before its ring-out time (ISO times compare as strings). An accept may be written
 * as one patch conditional on this, without reading the task (TaskStore.acceptOpenOffer).
 */
export function acceptable(task: Task, offerId: string, agentId: string, at: string): boolean {
  const offer = task.offers[offerIndex(offerId)];
  return task.state === 'offered' && offer?.offerId === offerId && offer.agentId === agentId && offer.outcome === 'open' && offer.expiresAt > at;
}

/** The offered task connected to the agent who accepted its open offer `offerId`. */
export function accepted(task: Task, offerId: string, agentId: string, at: string): Task {
  return transition(task, 'connected', {
    offers: settleOffer(task, offerId, 'accepted', at),
    assignedAgentId: agentId,
    timings: { ...task.timings, connectedAt: at },
  });
}

/**
 * Whether the task is the connected chat `agentId` accepted with `offerId`, whose After Call Work is
 * `acwSeconds`, with no outcome other than 'handled' (which a workflow may set before the chat is
 * queued), so that finishing it closes it as handled. A finish may be written as one patch
 * conditional on this, without reading the task (TaskStore.finishConnected).
 */
export function finishable(task: Task, offerId: string, agentId: string, acwSeconds: number): boolean {
  const offer = task.offers[offerIndex(offerId)];
  return (
    task.state === 'connected' &&
    task.assignedAgentId === agentId &&
    (task.outcome === null || task.outcome === 'handled') &&
    offer?.offerId === offerId &&
    offer.outcome === 'accepted' &&
    offer.afterCallWork.durationSeconds === acwSeconds
  );
}

/**
 * The connected chat finished by its agent: into After Call Work for `acwSeconds` (the rules of the
 * offer accepted), or closed at once, in the same write, when that is 0.
 */
export function finished(task: Task, at: Date, acwSeconds: number): Task {
  const wrapUp = transition(task, 'wrap-up', {
    acw: acwFrom(at, acwSeconds),
    timings: { ...task.timings, wrapUpAt: at.toISOString() },
  });
  return acwSeconds === 0 ? closed(wrapUp, at.toISOString()) : wrapUp;
}

export interface AcwExtensionKey {
  readonly key: string;
  readonly seconds: number;
}

/** How many extension keys an ACW keeps; an older key than these extends again. */
export const maxKeptExtensionKeys = 20;

/** The ACW extension an Idempotency-Key asked for, if it is one of those kept. */
/** The extension keys an ACW keeps; one stored before they were kept has its last key only (its length unknown: NaN when not kept). */
function keptKeys(acw: NonNullable<Task['acw']>): readonly AcwExtensionKey[] {
  return acw.extensionKeys ?? (acw.lastExtensionKey ? [{ key: acw.lastExtensionKey, seconds: acw.lastExtensionSeconds ?? Number.NaN }] : []);
}

export function extensionByKey(acw: NonNullable<Task['acw']>, key: string): AcwExtensionKey | undefined {
  return keptKeys(acw).find((k) => k.key === key);
}

/** ACW extended by `seconds`, remembering `key` (when given) among the most recent ones. */
export function extendedAcw(acw: NonNullable<Task['acw']>, seconds: number, key: string | undefined): NonNullable<Task['acw']> {
  const kept = keptKeys(acw);
  const extensionKeys = key === undefined ? kept : [...kept, { key, seconds }].slice(-maxKeptExtensionKeys);
  return { endsAt: new Date(Date.parse(acw.endsAt) + seconds * 1000).toISOString(), extensions: acw.extensions + 1, extensionKeys };
}

/** After Call Work of `seconds` begun at `at`, not extended yet. */
export function acwFrom(at: Date, seconds: number): NonNullable<Task['acw']> {
  return { endsAt: new Date(at.getTime() + seconds * 1000).toISOString(), extensions: 0 };
}

/** The task closed at `at`: handled, unless it already says how it ended. */
export function closed(task: Task, at: string): Task {
  return transition(task, 'closed', { outcome: task.outcome ?? 'handled', timings: { ...task.timings, endedAt: at } });
}

/**
 * An offer id's task and place in the task's offers: ids are `<taskId>.offer-<n>` (nextOfferId),
 * offers are only ever appended, so offer n sits at n - 1. Anything else is OFFER.NOT_FOUND.
 */
export function parseOfferId(offerId: string): { taskId: string; index: number } {
  const at = offerId.lastIndexOf('.offer-');
  const n = at > 0 ? Number(offerId.slice(at + '.offer-'.length)) : Number.NaN;
  if (!Number.isInteger(n) || n < 1) throw new DomainError('OFFER.NOT_FOUND', `"${offerId}" is not an offer id`, { offerId });
  return { taskId: offerId.slice(0, at), index: n - 1 };
}

export function taskIdOfOffer(offerId: string): string {
  return parseOfferId(offerId).taskId;
}

export function offerIndex(offerId: string): number {
  return parseOfferId(offerId).index;
}

export function settleOffer(task: Task, offerId: string, outcome: Exclude<OfferOutcome, 'open'>, at: string): readonly Offer[] {
  return task.offers.map((o) => (o.offerId === offerId ? { ...o, outcome, decidedAt: at } : o));
}
