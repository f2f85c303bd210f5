// The state devhost keeps per orchestration instance: status, the current execution's history,
// undelivered events, and the bookkeeping that mirrors the SDK's sequence numbers.
import type { ActionType, RetryOptions } from './actions';
import type { FailureDetails, HistoryEvent } from './history';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';

export const terminalStatuses: readonly RuntimeStatus[] = ['Completed', 'Failed', 'Terminated'];

export function isTerminal(status: RuntimeStatus): boolean {
  return terminalStatuses.includes(status);
}

/** A leaf action the engine already turned into history, kept to check later replays against. */
export interface ScheduledAction {
  type: ActionType;
  name?: string;
  /** Sequence number, for actions that take one. */
  seq?: number;
}

/** An activity or sub-orchestration called with retry options; attempts after the first are the engine's. */
export interface RetryGroup {
  kind: 'activity' | 'subOrchestration';
  name: string;
  /** JSON text of the input, as in TaskScheduled / SubOrchestrationInstanceCreated. */
  input?: string;
  /** Explicit sub-orchestration instance id, reused by every attempt. */
  instanceId?: string;
  options: RetryOptions;
  firstAttemptAt: string;
  failedAttempts: number;
  /** Sequence number of the latest attempt. */
  taskSeq: number;
  /** Sequence numbers of every attempt, oldest first. */
  attemptSeqs: number[];
  timerSeq?: number;
  /** The most recent retry timer, kept after it fired (rewind removes the one after the final attempt). */
  lastTimerSeq?: number;
}

/** A timer longer than maximumShortTimerDuration, split into sub-timers as the real extension does. */
export interface LongTimer {
  /** Sequence number of the sub-timer in flight. */
  timerSeq: number;
  finalFireAt: string;
}

/** A callHttp task; after a 202 with Location the SDK numbers a polling timer and the next call. */
export interface HttpCall {
  seq: number;
  /** JSON text of the DurableHttpRequest. */
  request: string;
  /** Set while waiting on the polling timer: the timer's and the next call's sequence numbers. */
  poll?: { timerSeq: number; nextSeq: number; request: string };
}

export interface ParentLink {
  instanceId: string;
  executionId: string;
  name: string;
  taskScheduledId: number;
}

export interface OrchestrationInstance {
  instanceId: string;
  name: string;
  version?: string;
  executionId: string;
  runtimeStatus: RuntimeStatus;
  /** JSON text of the current execution's input. */
  input?: string;
  /** JSON text of the output (the failure message for Failed, the reason for Terminated). */
  output?: string;
  /** JSON text of the custom status. */
  customStatus?: string;
  failureDetails?: FailureDetails;
  createdTime: string;
  lastUpdatedTime: string;
  parent?: ParentLink;
  /** Events delivered to the orchestrator (plus those its actions produced), current execution only. */
  history: HistoryEvent[];
  /** Events waiting for the next episode. */
  inbox: HistoryEvent[];
  scheduled: ScheduledAction[];
  nextSeq: number;
  retries: RetryGroup[];
  longTimers: LongTimer[];
  cancelledTimers: number[];
  /** Durable HTTP calls in flight (callHttp), for the SDK's polling of 202 responses. */
  httpCalls?: HttpCall[];
  /** Entities locked by the current critical section (scheduler ids). */
  lockSet?: string[];
}

/** A durable entity's stored state (entities are keyed by scheduler id `@name@key`, name lower-cased). */
export interface EntityRecord {
  schedulerId: string;
  name: string;
  key: string;
  exists: boolean;
  /** JSON text of the state. */
  state?: string;
  lastOperationTime: string;
}
