// The Durable Task engine: runs orchestration episodes through the real durable-functions SDK
// (host.invoke with the out-of-process payload), turns the actions it returns into history,
// runs activities, fires timers, delivers events and starts sub-orchestrations.
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { RpcTypedData } from '../host/coreTypes';
import {
  ActionType,
  flattenActions,
  parseOrchestratorState,
  ProtocolError,
  ReplaySchema,
  takesSequenceNumber,
  toJsonText,
  unquoteInput,
  type LeafAction,
  type OrchestratorState,
} from './actions';
import { systemClock, type Clock } from './clock';
import { EntityRunner, parseSchedulerId, schedulerId } from './entities';
import { completedTaskId, EventType, historyEvent, type EventRaisedEvent, type FailureDetails, type HistoryEvent, type NewHistoryEvent } from './history';
import { isTerminal, type OrchestrationInstance, type ParentLink, type RetryGroup, type RuntimeStatus } from './instance';
import { httpActivityName, pollingStep, sendDurableHttpRequest, type DurableHttpRequest, type DurableHttpResponse } from './httpCall';
import { invokeSafely, type EngineHost } from './invoke';
import { nextRetryDelayMs } from './retry';
import type { InstanceStore } from './store';

export type { EngineHost } from './invoke';

export interface EngineOptions {
  hubName: string;
  store: InstanceStore;
  clock?: Clock;
  maxConcurrentOrchestratorFunctions?: number;
  maxConcurrentActivityFunctions?: number;
  /** Highest replay schema offered to the SDK (durable-functions picks it up as upperSchemaVersion). */
  upperSchemaVersion?: ReplaySchema;
  maximumShortTimerDurationMs?: number;
  longRunningTimerIntervalMs?: number;
}

export type StartResult =
  | { ok: true; instance: OrchestrationInstance }
  | { ok: false; reason: 'notAnOrchestrator' | 'alreadyExists'; message: string };

/** Outcome of a management operation, mapped to HTTP statuses by the API layers. */
export type OperationResult = 'accepted' | 'notFound' | 'gone' | 'notFailed';

const dayMs = 24 * 60 * 60 * 1000;
/** defaultHttpAsyncRequestSleepTimeMillseconds, as the extension sends it. */
const defaultHttpPollMs = 30_000;
const outOfProcDataLabel = '\n\n$OutOfProcData$:';

/** TimeSpan text (`d.hh:mm:ss`) the SDK parses with moment.duration. */
export function formatTimeSpan(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const hms = `${pad(Math.floor((totalSeconds % 86_400) / 3600))}:${pad(Math.floor((totalSeconds % 3600) / 60))}:${pad(totalSeconds % 60)}`;
  return days > 0 ? `${days}.${hms}` : hms;
}

/** JSON text for what a function returned, as DTFx stores a task result. */
export function resultText(data: RpcTypedData | null | undefined): string {
  if (!data) return 'null';
  if (typeof data.json === 'string') return data.json;
  if (typeof data.string === 'string') return JSON.stringify(data.string);
  if (typeof data.int === 'number') return String(data.int);
  if (typeof data.double === 'number') return String(data.double);
  if (data.bytes) return JSON.stringify(Buffer.from(data.bytes).toString('base64'));
  return 'null';
}

function errorDetails(err: Error): FailureDetails | undefined {
  // The SDK's exception-properties provider serializes the failure into the message as JSON.
  try {
    const parsed = JSON.parse(err.message) as Record<string, unknown>;
    if (typeof parsed['errorType'] === 'string' && typeof parsed['errorMessage'] === 'string') {
      return {
        ErrorType: parsed['errorType'],
        ErrorMessage: parsed['errorMessage'],
        StackTrace: typeof parsed['stackTrace'] === 'string' ? parsed['stackTrace'] : err.stack,
        IsNonRetriable: parsed['isNonRetriable'] === true,
        ...(typeof parsed['properties'] === 'object' && parsed['properties'] !== null ? { Properties: parsed['properties'] as Record<string, unknown> } : {}),
      };
    }
  } catch {
    // An ordinary message.
  }
  return undefined;
}

class NonDeterminismError extends Error {
  override name = 'NonDeterministicOrchestrationException';
  constructor(detail: string) {
    super(`Non-Deterministic workflow detected: ${detail}`);
  }
}

interface ActivityWork {
  instanceId: string;
  executionId: string;
  seq: number;
  name: string;
  input?: string;
  /** A callHttp request instead of an activity function. */
  http?: DurableHttpRequest;
}

interface Waiter {
  resolve(instance: OrchestrationInstance): void;
}

export class DurableEngine {
  readonly hubName: string;
  readonly store: InstanceStore;
  readonly clock: Clock;
  readonly maxOrchestrations: number;
  readonly maxActivities: number;
  readonly upperSchemaVersion: ReplaySchema;
  readonly maximumShortTimerMs: number;
  readonly longRunningTimerIntervalMs: number;
  #host: EngineHost | undefined;
  #stopped = false;

  readonly #ready: string[] = [];
  readonly #queued = new Set<string>();
  readonly #running = new Set<string>();
  readonly #activityQueue: ActivityWork[] = [];
  #activeActivities = 0;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #timers = new Map<string, () => void>();
  readonly #waiters = new Map<string, Waiter[]>();
  readonly entities: EntityRunner;
  /** Counters the benchmark reads. */
  readonly stats = { episodes: 0, historyEvents: 0, activities: 0 };

  constructor(options: EngineOptions) {
    const cores = availableParallelism();
    this.hubName = options.hubName;
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    // The real extension's defaults: 10 per core for both.
    this.maxOrchestrations = options.maxConcurrentOrchestratorFunctions ?? 10 * cores;
    this.maxActivities = options.maxConcurrentActivityFunctions ?? 10 * cores;
    this.upperSchemaVersion = options.upperSchemaVersion ?? ReplaySchema.V4;
    this.maximumShortTimerMs = options.maximumShortTimerDurationMs ?? 6 * dayMs;
    this.longRunningTimerIntervalMs = options.longRunningTimerIntervalMs ?? 3 * dayMs;
    this.entities = new EntityRunner(
      this.store,
      (replyTo, requestId, response) => this.#deliverEntityResponse(replyTo, requestId, response),
      (work) => this.#track(work),
      () => this.clock.now(),
      (owner, requestId) => this.#deliverEntityResponse(owner, requestId, { result: JSON.stringify('Lock Acquisition Completed') }),
    );
  }

  /** An entity call's answer reaches the orchestration as an EventRaised named by the request id, as the SDK expects. */
  #deliverEntityResponse(replyTo: { instanceId: string; executionId: string }, requestId: string, response: { result?: string; exceptionType?: string }): void {
    const inst = this.store.get(replyTo.instanceId);
    if (inst === undefined || inst.executionId !== replyTo.executionId || isTerminal(inst.runtimeStatus)) return;
    inst.inbox.push(historyEvent({ EventType: EventType.EventRaised, Name: requestId, Input: JSON.stringify(response) }, this.clock.now()));
    this.store.save(inst);
    this.#kick(inst.instanceId);
  }

  get #h(): EngineHost {
    if (this.#host === undefined) throw new Error('the Durable engine has not been started');
    return this.#host;
  }

  /** Starts processing: loads nothing itself (the store is loaded by the caller) but resumes unfinished work. */
  start(host: EngineHost): void {
    this.#host = host;
    this.#stopped = false;
    this.entities.start(host);
    for (const inst of this.store.all()) this.#recover(inst);
  }

  /** Stops timers and new work, waits for episodes and activities in flight, flushes the store. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await this.store.flush();
  }

  /** Resolves once no episode or activity is running or queued (timers may still be pending). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.#inFlight.size > 0) {
        await Promise.allSettled([...this.#inFlight]);
        continue;
      }
      // Work queued by the last completions starts on a later tick.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.#inFlight.size === 0 && this.#ready.length === 0 && this.#activityQueue.length === 0) return;
    }
  }

  isOrchestrator(name: string): boolean {
    return this.#h.functions.some((f) => f.name.toLowerCase() === name.toLowerCase() && f.trigger.type === 'orchestrationTrigger');
  }

  /** The extension's message for a call to a function that is not of the expected kind. */
  #unknownFunctionMessage(name: string, kind: 'activity' | 'orchestrator'): string {
    const known = this.#h.functions.filter((f) => f.trigger.type === `${kind}Trigger`).map((f) => f.name);
    const info = known.length > 0 ? `The following are the known ${kind} functions: '${known.join("', '")}'.` : `No ${kind} functions are currently registered!`;
    return `The function '${name}' doesn't exist, is disabled, or is not an ${kind} function. Additional info: ${info}`;
  }

  #functionName(name: string, triggerType: string): string | undefined {
    return this.#h.functions.find((f) => f.name.toLowerCase() === name.toLowerCase() && f.trigger.type === triggerType)?.name;
  }

  // ---------------------------------------------------------------- management operations

  startNew(name: string, options: { instanceId?: string; input?: string; version?: string } = {}): StartResult {
    const functionName = this.#functionName(name, 'orchestrationTrigger');
    if (functionName === undefined) {
      return { ok: false, reason: 'notAnOrchestrator', message: this.#unknownFunctionMessage(name, 'orchestrator') };
    }
    const instanceId = options.instanceId ?? randomUUID().replace(/-/g, '');
    const existing = this.store.get(instanceId);
    if (existing !== undefined && !isTerminal(existing.runtimeStatus)) {
      // The extension's default overridableExistingInstanceStates is NonRunningStates.
      return { ok: false, reason: 'alreadyExists', message: `An Orchestration instance with the status ${existing.runtimeStatus} already exists.` };
    }
    const instance = this.#createInstance(functionName, instanceId, options.input, options.version, undefined);
    return { ok: true, instance };
  }

  raiseEvent(instanceId: string, eventName: string, input: string | undefined): OperationResult {
    const inst = this.store.get(instanceId);
    if (inst === undefined) return 'notFound';
    if (isTerminal(inst.runtimeStatus)) return 'gone';
    inst.inbox.push(historyEvent({ EventType: EventType.EventRaised, Name: eventName, ...(input === undefined ? {} : { Input: input }) }, this.clock.now()));
    this.#touch(inst);
    this.store.save(inst);
    this.#kick(inst.instanceId);
    return 'accepted';
  }

  terminate(instanceId: string, reason: string): OperationResult {
    const inst = this.store.get(instanceId);
    if (inst === undefined) return 'notFound';
    if (isTerminal(inst.runtimeStatus)) return 'gone';
    const output = JSON.stringify(reason);
    inst.history.push(historyEvent({ EventType: EventType.ExecutionTerminated, Input: output }, this.clock.now()));
    this.#finish(inst, 'Terminated', output, undefined);
    return 'accepted';
  }

  suspend(instanceId: string, reason: string): OperationResult {
    const inst = this.store.get(instanceId);
    if (inst === undefined) return 'notFound';
    if (isTerminal(inst.runtimeStatus)) return 'gone';
    if (inst.runtimeStatus === 'Suspended') return 'accepted';
    inst.history.push(historyEvent({ EventType: EventType.ExecutionSuspended, Reason: reason }, this.clock.now()));
    inst.runtimeStatus = 'Suspended';
    this.#touch(inst);
    this.store.save(inst);
    return 'accepted';
  }

  resume(instanceId: string, reason: string): OperationResult {
    const inst = this.store.get(instanceId);
    if (inst === undefined) return 'notFound';
    if (isTerminal(inst.runtimeStatus)) return 'gone';
    if (inst.runtimeStatus !== 'Suspended') return 'accepted';
    inst.history.push(historyEvent({ EventType: EventType.ExecutionResumed, Reason: reason }, this.clock.now()));
    inst.runtimeStatus = 'Running';
    this.#touch(inst);
    this.store.save(inst);
    this.#kick(instanceId);
    return 'accepted';
  }

  /**
   * Rewinds a failed instance as the extension's legacy rewind does: failed activity results are
   * replaced by `Rewound` generic events and the activities run again, failed sub-orchestrations
   * are rewound in turn, and the orchestrator replays from its history.
   */
  rewind(instanceId: string, reason: string): OperationResult {
    const inst = this.store.get(instanceId);
    if (inst === undefined) return 'notFound';
    if (inst.runtimeStatus !== 'Failed') return 'notFailed';
    const now = this.clock.now();
    const rewound = historyEvent({ EventType: EventType.GenericEvent, Data: `Rewound: ${reason}` }, now);
    const history = inst.history.filter((e) => !(e.EventType === EventType.ExecutionCompleted && e.OrchestrationStatus === 'Failed'));
    const retried: ActivityWork[] = [];
    const childrenToRewind: string[] = [];
    for (let i = 0; i < history.length; i++) {
      const event = history[i];
      if (event === undefined) continue;
      // Failures of earlier retry attempts stay: the SDK's retry bookkeeping replays them.
      if ((event.EventType === EventType.TaskFailed || event.EventType === EventType.SubOrchestrationInstanceFailed) && isEarlierAttempt(inst.retries, event.TaskScheduledId)) continue;
      if (event.EventType === EventType.TaskFailed) {
        const seq = event.TaskScheduledId;
        const group = inst.retries.find((g) => g.taskSeq === seq && g.kind === 'activity');
        if (group !== undefined && group.lastTimerSeq !== undefined && group.lastTimerSeq > seq) {
          // The retry timer after the final attempt would shift the SDK's numbering once the failure is gone.
          const timerSeq = group.lastTimerSeq;
          for (let j = history.length - 1; j > i; j--) {
            const later = history[j];
            if (later !== undefined && ((later.EventType === EventType.TimerCreated && later.EventId === timerSeq) || (later.EventType === EventType.TimerFired && later.TimerId === timerSeq))) {
              history.splice(j, 1);
            }
          }
          if (inst.nextSeq === timerSeq + 1) inst.nextSeq = timerSeq;
          group.failedAttempts = Math.max(0, group.failedAttempts - 1);
          delete group.timerSeq;
          delete group.lastTimerSeq;
        }
        const scheduled = history.find((e) => e.EventType === EventType.TaskScheduled && e.EventId === seq);
        if (scheduled?.EventType === EventType.TaskScheduled) {
          retried.push({ instanceId, executionId: inst.executionId, seq, name: scheduled.Name, ...(scheduled.Input === undefined ? {} : { input: scheduled.Input }) });
        }
        history[i] = { ...rewound };
      } else if (event.EventType === EventType.SubOrchestrationInstanceFailed) {
        const created = history.find((e) => e.EventType === EventType.SubOrchestrationInstanceCreated && e.EventId === event.TaskScheduledId);
        if (created?.EventType === EventType.SubOrchestrationInstanceCreated) childrenToRewind.push(created.InstanceId);
        history[i] = { ...rewound };
      }
    }
    inst.history = history;
    inst.runtimeStatus = 'Running';
    delete inst.output;
    delete inst.failureDetails;
    this.#touch(inst);
    // Replaying from the start of the history lets an orchestrator that threw by itself run again.
    inst.inbox.push(historyEvent({ EventType: EventType.GenericEvent, Data: `Rewind: ${reason}` }, now));
    this.store.save(inst, true);
    for (const work of retried) this.#enqueueActivity(work);
    for (const childId of childrenToRewind) this.rewind(childId, reason);
    this.#kick(instanceId);
    return 'accepted';
  }

  purge(instanceId: string): boolean {
    const inst = this.store.get(instanceId);
    if (inst === undefined || !isTerminal(inst.runtimeStatus)) return false;
    this.#cancelTimers(inst);
    return this.store.delete(instanceId);
  }

  /** Resolves when the instance reaches a terminal state (or `timeoutMs` passes: then its current state). */
  waitForCompletion(instanceId: string, timeoutMs: number): Promise<OrchestrationInstance | undefined> {
    const inst = this.store.get(instanceId);
    if (inst === undefined || isTerminal(inst.runtimeStatus)) return Promise.resolve(inst);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const list = this.#waiters.get(instanceId) ?? [];
        this.#waiters.set(instanceId, list.filter((w) => w !== waiter));
        resolve(this.store.get(instanceId));
      }, timeoutMs);
      const waiter: Waiter = {
        resolve: (done) => {
          clearTimeout(timer);
          resolve(done);
        },
      };
      const list = this.#waiters.get(instanceId) ?? [];
      list.push(waiter);
      this.#waiters.set(instanceId, list);
    });
  }

  // ---------------------------------------------------------------- instances

  #createInstance(name: string, instanceId: string, input: string | undefined, version: string | undefined, parent: ParentLink | undefined): OrchestrationInstance {
    const now = this.clock.now();
    const executionId = randomUUID().replace(/-/g, '');
    const previous = this.store.get(instanceId);
    if (previous !== undefined) this.#cancelTimers(previous);
    const started = historyEvent(
      {
        EventType: EventType.ExecutionStarted,
        Name: name,
        ...(input === undefined ? {} : { Input: input }),
        ...(version === undefined ? {} : { Version: version }),
        OrchestrationInstance: { InstanceId: instanceId, ExecutionId: executionId },
        ...(parent === undefined
          ? {}
          : { ParentInstance: { Name: parent.name, TaskScheduleId: parent.taskScheduledId, OrchestrationInstance: { InstanceId: parent.instanceId, ExecutionId: parent.executionId } } }),
      },
      now,
    );
    const instance: OrchestrationInstance = {
      instanceId,
      name,
      ...(version === undefined ? {} : { version }),
      executionId,
      runtimeStatus: 'Pending',
      ...(input === undefined ? {} : { input }),
      createdTime: now.toISOString(),
      lastUpdatedTime: now.toISOString(),
      ...(parent === undefined ? {} : { parent }),
      history: [],
      inbox: [started],
      scheduled: [],
      nextSeq: 0,
      retries: [],
      longTimers: [],
      cancelledTimers: [],
    };
    this.store.save(instance, true);
    this.#kick(instanceId);
    return instance;
  }

  #touch(inst: OrchestrationInstance): void {
    inst.lastUpdatedTime = this.clock.now().toISOString();
  }

  /** Re-arms timers and re-dispatches activities an instance was waiting on when the host stopped. */
  #recover(inst: OrchestrationInstance): void {
    if (isTerminal(inst.runtimeStatus)) return;
    const done = new Set<number>();
    for (const e of [...inst.history, ...inst.inbox]) {
      const id = completedTaskId(e);
      if (id !== undefined) done.add(id);
    }
    for (const e of inst.history) {
      if (done.has(e.EventId)) continue;
      if (e.EventType === EventType.TaskScheduled) {
        this.#enqueueActivity({ instanceId: inst.instanceId, executionId: inst.executionId, seq: e.EventId, name: e.Name, ...(e.Input === undefined ? {} : { input: e.Input }) });
      } else if (e.EventType === EventType.TimerCreated && !inst.cancelledTimers.includes(e.EventId)) {
        this.#armTimer(inst, e.EventId, e.FireAt);
      } else if (e.EventType === EventType.SubOrchestrationInstanceCreated) {
        const child = this.store.get(e.InstanceId);
        if (child !== undefined && isTerminal(child.runtimeStatus)) this.#notifyParent(child);
      }
    }
    if (inst.inbox.length > 0 && inst.runtimeStatus !== 'Suspended') this.#kick(inst.instanceId);
  }

  // ---------------------------------------------------------------- scheduling

  #track(work: Promise<void>): void {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  #kick(instanceId: string): void {
    if (this.#stopped || this.#host === undefined) return;
    if (!this.#queued.has(instanceId) && !this.#running.has(instanceId)) {
      this.#queued.add(instanceId);
      this.#ready.push(instanceId);
    }
    this.#pump();
  }

  #pump(): void {
    while (!this.#stopped && this.#running.size < this.maxOrchestrations && this.#ready.length > 0) {
      const instanceId = this.#ready.shift();
      if (instanceId === undefined) break;
      this.#queued.delete(instanceId);
      this.#running.add(instanceId);
      const episode = this.#runEpisode(instanceId)
        .catch((err: unknown) => {
          this.#h.log.error(`Durable: episode of ${instanceId} failed in devhost: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        })
        .finally(() => {
          this.#running.delete(instanceId);
          const inst = this.store.get(instanceId);
          if (inst !== undefined && inst.inbox.length > 0 && (inst.runtimeStatus === 'Running' || inst.runtimeStatus === 'Pending')) this.#kick(instanceId);
          this.#pump();
        });
      this.#track(episode);
    }
  }

  /** Which incoming events make the SDK take a sequence number that no action shows (retries, long timers). */
  /** The polling step a completed callHttp task makes the SDK (schema V3+) take, if any. */
  #httpPoll(inst: OrchestrationInstance, event: HistoryEvent): { request: DurableHttpRequest; delayMs: number } | undefined {
    if (event.EventType !== EventType.TaskCompleted || this.upperSchemaVersion < ReplaySchema.V3) return undefined;
    const call = inst.httpCalls?.find((c) => c.seq === event.TaskScheduledId);
    if (call === undefined) return undefined;
    return pollingStep(JSON.parse(call.request) as DurableHttpRequest, JSON.parse(event.Result) as DurableHttpResponse, defaultHttpPollMs);
  }

  #takesHiddenSequence(inst: OrchestrationInstance, event: HistoryEvent): boolean {
    if (this.#httpPoll(inst, event) !== undefined) return true;
    if (event.EventType === EventType.TaskFailed || event.EventType === EventType.SubOrchestrationInstanceFailed) {
      return inst.retries.some((g) => g.taskSeq === event.TaskScheduledId && g.timerSeq === undefined);
    }
    if (event.EventType === EventType.TimerFired) {
      return inst.retries.some((g) => g.timerSeq === event.TimerId) || inst.longTimers.some((t) => t.timerSeq === event.TimerId);
    }
    return false;
  }

  /**
   * Takes the next events to deliver. An event that makes the SDK take a hidden sequence number
   * ends the batch, so the engine knows the SDK numbered this episode's new actions before it.
   */
  #takeBatch(inst: OrchestrationInstance): HistoryEvent[] {
    const batch: HistoryEvent[] = [];
    while (inst.inbox.length > 0) {
      const event = inst.inbox.shift();
      if (event === undefined) break;
      batch.push(event);
      if (this.#takesHiddenSequence(inst, event)) break;
    }
    return batch;
  }

  async #runEpisode(instanceId: string): Promise<void> {
    const inst = this.store.get(instanceId);
    if (inst === undefined || inst.inbox.length === 0) return;
    if (inst.runtimeStatus !== 'Running' && inst.runtimeStatus !== 'Pending') return;
    const now = this.clock.now();
    const executionId = inst.executionId;
    const batch = this.#takeBatch(inst);
    const started = historyEvent({ EventType: EventType.OrchestratorStarted }, now);
    const newEvents = [started, ...batch];
    if (inst.runtimeStatus === 'Pending') inst.runtimeStatus = 'Running';
    const payload = {
      history: [...inst.history, ...newEvents],
      input: inst.input === undefined ? undefined : (JSON.parse(inst.input) as unknown),
      instanceId: inst.instanceId,
      isReplaying: inst.history.length > 0,
      parentInstanceId: inst.parent?.instanceId,
      // As the extension sends them: the SDK prefers upperSchemaVersionNew when it is set (non-zero).
      upperSchemaVersion: Math.min(this.upperSchemaVersion, ReplaySchema.V2),
      upperSchemaVersionNew: this.upperSchemaVersion,
      longRunningTimerIntervalDuration: formatTimeSpan(this.longRunningTimerIntervalMs),
      maximumShortTimerDuration: formatTimeSpan(this.maximumShortTimerMs),
      defaultHttpAsyncRequestSleepTimeMillseconds: defaultHttpPollMs,
    };
    this.stats.episodes++;
    const outcome = await invokeSafely(this.#h, inst.name, JSON.stringify(payload));

    // Terminate, purge or a restart may have happened while the orchestrator ran.
    const current = this.store.get(instanceId);
    if (current !== inst || inst.executionId !== executionId || isTerminal(inst.runtimeStatus)) return;

    for (const e of newEvents) e.IsPlayed = true;
    inst.history.push(...newEvents);
    this.stats.historyEvents += newEvents.length;

    let state: OrchestratorState | undefined;
    let failure: string | undefined;
    if (outcome.error !== undefined) {
      const message = outcome.error.message;
      const at = message.indexOf(outOfProcDataLabel);
      if (at >= 0) {
        failure = message.slice(0, at);
        try {
          state = parseOrchestratorState(message.slice(at + outOfProcDataLabel.length));
          // The SDK puts a flag before the label; the orchestrator's own error is in the state.
          if (typeof state.error === 'string') failure = state.error;
        } catch {
          state = undefined;
        }
      } else {
        failure = message;
      }
    } else {
      const text = outcome.returnValue?.json ?? outcome.returnValue?.string;
      try {
        if (typeof text !== 'string') throw new ProtocolError(`orchestrator '${inst.name}' returned no OrchestratorState: is it registered with df.app.orchestration?`);
        state = parseOrchestratorState(text);
      } catch (err) {
        failure = (err as Error).message;
      }
    }
    this.#applyEpisode(inst, now, batch, state, failure);
  }

  #applyEpisode(inst: OrchestrationInstance, now: Date, batch: HistoryEvent[], state: OrchestratorState | undefined, failure: string | undefined): void {
    const appended: HistoryEvent[] = [];
    const append = (fields: NewHistoryEvent, eventId = -1): void => {
      appended.push(historyEvent(fields, now, eventId));
    };
    let continueAsNew: LeafAction | undefined;
    let unsupported: string | undefined;
    let leaves: LeafAction[] = [];
    try {
      leaves = state === undefined ? [] : flattenActions(state.actions);
      continueAsNew = this.#checkAndSchedule(inst, leaves, now, append);
    } catch (err) {
      if (err instanceof NonDeterminismError) {
        this.#fail(inst, appended, err.message, { ErrorType: err.name, ErrorMessage: err.message });
        return;
      }
      if (err instanceof InvalidActionError || err instanceof ProtocolError) {
        unsupported = err.message;
      } else {
        throw err;
      }
    }
    if (unsupported !== undefined) {
      this.#fail(inst, appended, `Orchestrator function '${inst.name}' failed: ${unsupported}`, { ErrorType: 'Error', ErrorMessage: unsupported });
      return;
    }
    this.#scheduleHiddenSequence(inst, batch.at(-1), now, append);

    if (state !== undefined) inst.customStatus = toJsonText(state.customStatus);
    if (failure !== undefined) {
      const failureDetails = parseFailureDetails(state?.failureDetails) ?? { ErrorType: 'Error', ErrorMessage: failure };
      this.#fail(inst, appended, `Orchestrator function '${inst.name}' failed: ${failure}`, failureDetails);
      return;
    }
    if (state?.isDone === true && continueAsNew !== undefined) {
      this.#continueAsNew(inst, appended, continueAsNew, leaves, now);
      return;
    }
    if (state?.isDone === true) {
      const output = toJsonText(state.output) ?? 'null';
      append({ EventType: EventType.ExecutionCompleted, OrchestrationStatus: 'Completed', Result: output });
      append({ EventType: EventType.OrchestratorCompleted });
      inst.history.push(...appended);
      this.#finish(inst, 'Completed', output, undefined);
      return;
    }
    append({ EventType: EventType.OrchestratorCompleted });
    inst.history.push(...appended);
    this.#touch(inst);
    this.store.save(inst);
  }

  /** Checks replayed actions against the history (the determinism guard) and schedules new ones; returns a ContinueAsNew action. */
  #checkAndSchedule(inst: OrchestrationInstance, leaves: LeafAction[], now: Date, append: (fields: NewHistoryEvent, eventId?: number) => void): LeafAction | undefined {
    let continueAsNew: LeafAction | undefined;
    let index = 0;
    for (const leaf of leaves) {
      if (leaf.actionType === ActionType.ContinueAsNew) {
        continueAsNew = leaf;
        continue;
      }
      if (!takesSequenceNumber(leaf)) continue;
      const previous = inst.scheduled[index];
      if (previous !== undefined) {
        checkSameAction(previous.type, previous.name, previous.seq ?? -1, leaf);
        if (leaf.actionType === ActionType.CreateTimer && leaf.isCanceled === true && previous.seq !== undefined) this.#cancelTimer(inst, previous.seq);
      } else {
        const seq = this.#scheduleNew(inst, leaf, now, append);
        inst.scheduled.push({ type: leaf.actionType, ...(leaf.functionName === undefined ? {} : { name: leaf.functionName }), seq });
      }
      index++;
    }
    return continueAsNew;
  }

  #scheduleNew(inst: OrchestrationInstance, leaf: LeafAction, now: Date, append: (fields: NewHistoryEvent, eventId?: number) => void): number {
    const seq = inst.nextSeq++;
    switch (leaf.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const name = leaf.functionName ?? '';
        // The extension checks the name when the call is scheduled (ThrowIfFunctionDoesNotExist).
        if (this.#functionName(name, 'activityTrigger') === undefined) throw new InvalidActionError(this.#unknownFunctionMessage(name, 'activity'));
        // Activity inputs arrive JSON-quoted when they are strings, so the text is already JSON.
        const input = typeof leaf.input === 'string' ? leaf.input : toJsonText(leaf.input);
        append({ EventType: EventType.TaskScheduled, Name: name, ...(input === undefined ? {} : { Input: input }) }, seq);
        if (leaf.actionType === ActionType.CallActivityWithRetry && leaf.retryOptions !== undefined) {
          inst.retries.push({ kind: 'activity', name, ...(input === undefined ? {} : { input }), options: leaf.retryOptions, firstAttemptAt: now.toISOString(), failedAttempts: 0, taskSeq: seq, attemptSeqs: [seq] });
        }
        this.#enqueueActivity({ instanceId: inst.instanceId, executionId: inst.executionId, seq, name, ...(input === undefined ? {} : { input }) });
        return seq;
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const name = leaf.functionName ?? '';
        // Sub-orchestration inputs are passed raw (not quoted) by the SDK.
        const input = toJsonText(leaf.input);
        const explicitId = typeof leaf.instanceId === 'string' && leaf.instanceId.length > 0 ? leaf.instanceId : undefined;
        if (this.#functionName(name, 'orchestrationTrigger') === undefined) throw new InvalidActionError(this.#unknownFunctionMessage(name, 'orchestrator'));
        if (explicitId !== undefined && [inst.instanceId, inst.parent?.instanceId].some((id) => id !== undefined && id.toLowerCase() === explicitId.toLowerCase())) {
          throw new InvalidActionError('The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration.');
        }
        if (explicitId?.startsWith('@') === true) throw new InvalidActionError('Orchestration instance ids must not start with @');
        if (leaf.actionType === ActionType.CallSubOrchestratorWithRetry && leaf.retryOptions !== undefined) {
          inst.retries.push({
            kind: 'subOrchestration',
            name,
            ...(input === undefined ? {} : { input }),
            ...(explicitId === undefined ? {} : { instanceId: explicitId }),
            options: leaf.retryOptions,
            firstAttemptAt: now.toISOString(),
            failedAttempts: 0,
            taskSeq: seq,
            attemptSeqs: [seq],
          });
        }
        this.#startSubOrchestration(inst, seq, name, input, explicitId, leaf.version, now, append);
        return seq;
      }
      case ActionType.CreateTimer: {
        const finalFireAt = new Date(leaf.fireAt ?? now.toISOString());
        let fireAt = finalFireAt;
        if (finalFireAt.getTime() - now.getTime() > this.maximumShortTimerMs) {
          // The SDK (schema V3+) splits long timers and expects the same sub-timers here.
          fireAt = new Date(now.getTime() + this.longRunningTimerIntervalMs);
          inst.longTimers.push({ timerSeq: seq, finalFireAt: finalFireAt.toISOString() });
        }
        append({ EventType: EventType.TimerCreated, FireAt: fireAt.toISOString() }, seq);
        if (leaf.isCanceled === true) inst.cancelledTimers.push(seq);
        else this.#armTimer(inst, seq, fireAt.toISOString());
        return seq;
      }
      case ActionType.CallHttp: {
        const request = parseHttpRequest(leaf.httpRequest);
        const text = JSON.stringify(request);
        append({ EventType: EventType.TaskScheduled, Name: httpActivityName, Input: text }, seq);
        inst.httpCalls = [...(inst.httpCalls ?? []), { seq, request: text }];
        this.#enqueueActivity({ instanceId: inst.instanceId, executionId: inst.executionId, seq, name: httpActivityName, input: text, http: request });
        return seq;
      }
      case ActionType.CallEntity:
      case ActionType.SignalEntity: {
        const target = parseSchedulerId(leaf.instanceId ?? '');
        const operation = leaf.operation ?? '';
        if (target === undefined || this.entities.functionName(target.name) === undefined) {
          throw new InvalidActionError(`The function '${target?.name ?? String(leaf.instanceId)}' doesn't exist, is disabled, or is not an entity function.`);
        }
        const requestId = randomUUID();
        const signal = leaf.actionType === ActionType.SignalEntity;
        // Entity inputs are passed raw by the SDK.
        const input = toJsonText(leaf.input);
        const request = { id: requestId, op: operation, signal, ...(input === undefined ? {} : { input }), parent: inst.instanceId };
        append({ EventType: EventType.EventSent, InstanceId: leaf.instanceId ?? '', Name: 'op', Input: JSON.stringify(request) }, seq);
        this.entities.enqueue(target.name, target.key, {
          id: requestId,
          name: operation,
          signal,
          ...(input === undefined ? {} : { input }),
          owner: inst.instanceId,
          ...(signal ? {} : { replyTo: { instanceId: inst.instanceId, executionId: inst.executionId } }),
        });
        return seq;
      }
      case ActionType.LockEntities: {
        const requestId = leaf.lockRequestId ?? randomUUID();
        const lockSet = (leaf.lockSet ?? []).map((e) => schedulerId(e.name, e.key));
        const missing = (leaf.lockSet ?? []).find((e) => this.entities.functionName(e.name) === undefined);
        if (missing !== undefined) throw new InvalidActionError(`The function '${missing.name}' doesn't exist, is disabled, or is not an entity function.`);
        inst.lockSet = lockSet;
        append({ EventType: EventType.EventSent, InstanceId: lockSet[0] ?? '', Name: 'op', Input: JSON.stringify({ id: requestId, lockset: lockSet, pos: 0, parent: inst.instanceId }) }, seq);
        this.entities.lock({ instanceId: inst.instanceId, executionId: inst.executionId }, requestId, lockSet);
        return seq;
      }
      case ActionType.ReleaseEntities: {
        // The SDK takes one sequence number per locked entity for a release.
        const lockSet = inst.lockSet ?? [];
        lockSet.forEach((entity, i) => {
          if (i > 0) inst.nextSeq++;
          append({ EventType: EventType.EventSent, InstanceId: entity, Name: 'release', Input: JSON.stringify({ parent: inst.instanceId }) }, seq + i);
        });
        delete inst.lockSet;
        this.entities.releaseAll(inst.instanceId);
        return seq;
      }
      default:
        throw new ProtocolError(`unexpected orchestrator action type ${leaf.actionType}`);
    }
  }

  /** Adds the timer or task the SDK numbered for a retry or a long timer in this episode. */
  #scheduleHiddenSequence(inst: OrchestrationInstance, last: HistoryEvent | undefined, now: Date, append: (fields: NewHistoryEvent, eventId?: number) => void): void {
    if (last === undefined) return;
    const poll = this.#httpPoll(inst, last);
    if (poll !== undefined && last.EventType === EventType.TaskCompleted) {
      // The SDK's CallHttpWithPollingTask numbers a timer and the next call at once.
      const timerSeq = inst.nextSeq++;
      const nextSeq = inst.nextSeq++;
      const fireAt = new Date(now.getTime() + poll.delayMs).toISOString();
      inst.httpCalls = (inst.httpCalls ?? []).map((c) => (c.seq === last.TaskScheduledId ? { ...c, poll: { timerSeq, nextSeq, request: JSON.stringify(poll.request) } } : c));
      append({ EventType: EventType.TimerCreated, FireAt: fireAt }, timerSeq);
      this.#armTimer(inst, timerSeq, fireAt);
      return;
    }
    if (last.EventType === EventType.TimerFired) {
      const polling = inst.httpCalls?.find((c) => c.poll?.timerSeq === last.TimerId);
      if (polling?.poll !== undefined) {
        const { nextSeq, request } = polling.poll;
        inst.httpCalls = [...(inst.httpCalls ?? []).filter((c) => c !== polling), { seq: nextSeq, request }];
        append({ EventType: EventType.TaskScheduled, Name: httpActivityName, Input: request }, nextSeq);
        this.#enqueueActivity({ instanceId: inst.instanceId, executionId: inst.executionId, seq: nextSeq, name: httpActivityName, input: request, http: JSON.parse(request) as DurableHttpRequest });
        return;
      }
    }
    if (last.EventType === EventType.TaskFailed || last.EventType === EventType.SubOrchestrationInstanceFailed) {
      const group = inst.retries.find((g) => g.taskSeq === last.TaskScheduledId && g.timerSeq === undefined);
      if (group === undefined) return;
      group.failedAttempts++;
      const delay = nextRetryDelayMs(group.options, group.failedAttempts, new Date(group.firstAttemptAt), now);
      if (delay === undefined) {
        // As in Azure (durable-js issue #629): past the retry timeout no timer is created, and the
        // SDK's RetryableTask keeps waiting for one, so the orchestration stops without an error.
        this.#h.log.warn(`Durable: ${inst.instanceId}: retry timeout of '${group.name}' exceeded after ${group.failedAttempts} attempt(s); no further attempt (the orchestration waits, as in Azure).`);
        return;
      }
      const seq = inst.nextSeq++;
      group.timerSeq = seq;
      group.lastTimerSeq = seq;
      const fireAt = new Date(now.getTime() + delay).toISOString();
      append({ EventType: EventType.TimerCreated, FireAt: fireAt }, seq);
      this.#armTimer(inst, seq, fireAt);
      return;
    }
    if (last.EventType !== EventType.TimerFired) return;
    const group = inst.retries.find((g) => g.timerSeq === last.TimerId);
    if (group !== undefined) {
      delete group.timerSeq;
      if (group.failedAttempts >= group.options.maxNumberOfAttempts) return;
      const seq = inst.nextSeq++;
      group.taskSeq = seq;
      group.attemptSeqs.push(seq);
      if (group.kind === 'activity') {
        append({ EventType: EventType.TaskScheduled, Name: group.name, ...(group.input === undefined ? {} : { Input: group.input }) }, seq);
        this.#enqueueActivity({ instanceId: inst.instanceId, executionId: inst.executionId, seq, name: group.name, ...(group.input === undefined ? {} : { input: group.input }) });
      } else {
        this.#startSubOrchestration(inst, seq, group.name, group.input, group.instanceId, undefined, now, append);
      }
      return;
    }
    const longTimer = inst.longTimers.find((t) => t.timerSeq === last.TimerId);
    if (longTimer === undefined) return;
    const finalFireAt = new Date(longTimer.finalFireAt);
    if (finalFireAt.getTime() <= now.getTime()) {
      inst.longTimers = inst.longTimers.filter((t) => t !== longTimer);
      return;
    }
    const seq = inst.nextSeq++;
    const remaining = finalFireAt.getTime() - now.getTime();
    const fireAt = remaining > this.maximumShortTimerMs ? new Date(now.getTime() + this.longRunningTimerIntervalMs) : finalFireAt;
    longTimer.timerSeq = seq;
    append({ EventType: EventType.TimerCreated, FireAt: fireAt.toISOString() }, seq);
    this.#armTimer(inst, seq, fireAt.toISOString());
  }

  #startSubOrchestration(
    inst: OrchestrationInstance,
    seq: number,
    name: string,
    input: string | undefined,
    explicitId: string | undefined,
    version: string | undefined,
    now: Date,
    append: (fields: NewHistoryEvent, eventId?: number) => void,
  ): void {
    // DTFx names an unnamed sub-orchestration after the parent's execution and the task's sequence number.
    const childId = explicitId ?? `${inst.executionId}:${seq}`;
    append({ EventType: EventType.SubOrchestrationInstanceCreated, Name: name, InstanceId: childId, ...(input === undefined ? {} : { Input: input }) }, seq);
    const functionName = this.#functionName(name, 'orchestrationTrigger');
    const existing = this.store.get(childId);
    let failure: string | undefined;
    if (functionName === undefined) failure = `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`;
    else if (existing !== undefined && !isTerminal(existing.runtimeStatus)) failure = `An Orchestration instance with the status ${existing.runtimeStatus} already exists.`;
    if (failure !== undefined) {
      inst.inbox.push(historyEvent({ EventType: EventType.SubOrchestrationInstanceFailed, TaskScheduledId: seq, Reason: failure, Details: '', FailureDetails: { ErrorType: 'Error', ErrorMessage: failure } }, now));
      return;
    }
    this.#createInstance(functionName ?? name, childId, input, version, { instanceId: inst.instanceId, executionId: inst.executionId, name: inst.name, taskScheduledId: seq });
  }

  #continueAsNew(inst: OrchestrationInstance, appended: HistoryEvent[], action: LeafAction, leaves: LeafAction[], now: Date): void {
    const input = toJsonText(unquoteInput(action.input));
    const carried: HistoryEvent[] = inst.inbox.filter((e): e is EventRaisedEvent => e.EventType === EventType.EventRaised);
    if (action.preserveUnprocessedEvents === true) carried.unshift(...unconsumedEvents(inst.history, leaves));
    appended.push(historyEvent({ EventType: EventType.ContinueAsNew, ...(input === undefined ? {} : { Result: input }) }, now));
    appended.push(historyEvent({ EventType: EventType.OrchestratorCompleted }, now));
    inst.history.push(...appended);
    this.#cancelTimers(inst);
    const executionId = randomUUID().replace(/-/g, '');
    const started = historyEvent(
      {
        EventType: EventType.ExecutionStarted,
        Name: inst.name,
        ...(input === undefined ? {} : { Input: input }),
        OrchestrationInstance: { InstanceId: inst.instanceId, ExecutionId: executionId },
        ...(inst.parent === undefined
          ? {}
          : {
              ParentInstance: {
                Name: inst.parent.name,
                TaskScheduleId: inst.parent.taskScheduledId,
                OrchestrationInstance: { InstanceId: inst.parent.instanceId, ExecutionId: inst.parent.executionId },
              },
            }),
      },
      now,
    );
    inst.executionId = executionId;
    if (input === undefined) delete inst.input;
    else inst.input = input;
    inst.history = [];
    inst.inbox = [started, ...carried.map((e) => ({ ...e, IsPlayed: false }))];
    inst.scheduled = [];
    inst.nextSeq = 0;
    inst.retries = [];
    inst.longTimers = [];
    inst.cancelledTimers = [];
    delete inst.httpCalls;
    delete inst.lockSet;
    this.entities.releaseAll(inst.instanceId);
    inst.runtimeStatus = 'Running';
    this.#touch(inst);
    this.store.save(inst, true);
    this.#kick(inst.instanceId);
  }

  #fail(inst: OrchestrationInstance, appended: HistoryEvent[], message: string, details: FailureDetails): void {
    const now = this.clock.now();
    const output = JSON.stringify(message);
    appended.push(historyEvent({ EventType: EventType.ExecutionCompleted, OrchestrationStatus: 'Failed', Result: output, FailureDetails: details }, now));
    appended.push(historyEvent({ EventType: EventType.OrchestratorCompleted }, now));
    inst.history.push(...appended);
    this.#finish(inst, 'Failed', output, details);
  }

  #finish(inst: OrchestrationInstance, status: RuntimeStatus, output: string, failureDetails: FailureDetails | undefined): void {
    // An orchestration that ends inside a critical section gives its locks back.
    delete inst.lockSet;
    this.entities.releaseAll(inst.instanceId);
    inst.runtimeStatus = status;
    inst.output = output;
    if (failureDetails === undefined) delete inst.failureDetails;
    else inst.failureDetails = failureDetails;
    inst.inbox = [];
    this.#touch(inst);
    this.#cancelTimers(inst);
    this.store.save(inst);
    this.#notifyParent(inst);
    const waiters = this.#waiters.get(inst.instanceId);
    if (waiters !== undefined) {
      this.#waiters.delete(inst.instanceId);
      for (const w of waiters) w.resolve(inst);
    }
  }

  #notifyParent(child: OrchestrationInstance): void {
    const link = child.parent;
    if (link === undefined) return;
    const parent = this.store.get(link.instanceId);
    if (parent === undefined || parent.executionId !== link.executionId || isTerminal(parent.runtimeStatus)) return;
    const now = this.clock.now();
    if (child.runtimeStatus === 'Completed') {
      parent.inbox.push(historyEvent({ EventType: EventType.SubOrchestrationInstanceCompleted, TaskScheduledId: link.taskScheduledId, Result: child.output ?? 'null' }, now));
    } else {
      const message = child.output === undefined ? child.runtimeStatus : String(JSON.parse(child.output) as unknown);
      const reason = child.runtimeStatus === 'Failed' ? message : `Sub-orchestration '${child.instanceId}' was terminated: ${message}`;
      parent.inbox.push(
        historyEvent(
          {
            EventType: EventType.SubOrchestrationInstanceFailed,
            TaskScheduledId: link.taskScheduledId,
            Reason: reason,
            Details: child.failureDetails?.StackTrace ?? '',
            FailureDetails: child.failureDetails ?? { ErrorType: 'Error', ErrorMessage: reason },
          },
          now,
        ),
      );
    }
    this.store.save(parent);
    this.#kick(parent.instanceId);
  }

  // ---------------------------------------------------------------- timers

  #timerKey(inst: OrchestrationInstance, seq: number): string {
    return `${inst.instanceId}\n${inst.executionId}\n${seq}`;
  }

  #armTimer(inst: OrchestrationInstance, seq: number, fireAt: string): void {
    if (this.#stopped) return;
    const key = this.#timerKey(inst, seq);
    const instanceId = inst.instanceId;
    const executionId = inst.executionId;
    const cancel = this.clock.schedule(new Date(fireAt), () => {
      this.#timers.delete(key);
      const current = this.store.get(instanceId);
      if (current === undefined || current.executionId !== executionId || isTerminal(current.runtimeStatus)) return;
      if (current.cancelledTimers.includes(seq)) return;
      current.inbox.push(historyEvent({ EventType: EventType.TimerFired, TimerId: seq, FireAt: fireAt }, this.clock.now()));
      this.store.save(current);
      this.#kick(instanceId);
    });
    this.#timers.set(key, cancel);
  }

  #cancelTimer(inst: OrchestrationInstance, seq: number): void {
    if (inst.cancelledTimers.includes(seq)) return;
    inst.cancelledTimers.push(seq);
    const key = this.#timerKey(inst, seq);
    this.#timers.get(key)?.();
    this.#timers.delete(key);
  }

  #cancelTimers(inst: OrchestrationInstance): void {
    const prefix = `${inst.instanceId}\n${inst.executionId}\n`;
    for (const [key, cancel] of this.#timers) {
      if (key.startsWith(prefix)) {
        cancel();
        this.#timers.delete(key);
      }
    }
  }

  // ---------------------------------------------------------------- activities

  #enqueueActivity(work: ActivityWork): void {
    this.#activityQueue.push(work);
    this.#pumpActivities();
  }

  #pumpActivities(): void {
    while (!this.#stopped && this.#host !== undefined && this.#activeActivities < this.maxActivities && this.#activityQueue.length > 0) {
      const work = this.#activityQueue.shift();
      if (work === undefined) break;
      this.#activeActivities++;
      const run = this.#runActivity(work)
        .catch((err: unknown) => {
          this.#h.log.error(`Durable: activity '${work.name}' of ${work.instanceId} failed in devhost: ${String(err)}`);
        })
        .finally(() => {
          this.#activeActivities--;
          this.#pumpActivities();
        });
      this.#track(run);
    }
  }

  /** Runs a callHttp request; before schema V3 the SDK does not poll, so the extension follows 202s itself. */
  async #runHttp(work: ActivityWork, request: DurableHttpRequest): Promise<NewHistoryEvent> {
    try {
      let response = await sendDurableHttpRequest(request);
      for (let step = pollingStep(request, response, defaultHttpPollMs); step !== undefined && this.upperSchemaVersion < ReplaySchema.V3; step = pollingStep(step.request, response, defaultHttpPollMs)) {
        await new Promise((resolve) => setTimeout(resolve, step?.delayMs));
        response = await sendDurableHttpRequest(step.request);
      }
      return { EventType: EventType.TaskCompleted, TaskScheduledId: work.seq, Result: JSON.stringify(response) };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      return { EventType: EventType.TaskFailed, TaskScheduledId: work.seq, Reason: error.message, Details: error.stack ?? '', FailureDetails: { ErrorType: error.name, ErrorMessage: error.message } };
    }
  }

  async #runActivity(work: ActivityWork): Promise<void> {
    const functionName = work.http === undefined ? this.#functionName(work.name, 'activityTrigger') : httpActivityName;
    let completion: NewHistoryEvent;
    if (work.http !== undefined) {
      completion = await this.#runHttp(work, work.http);
    } else if (functionName === undefined) {
      const message = `The function '${work.name}' doesn't exist, is disabled, or is not an activity function.`;
      completion = { EventType: EventType.TaskFailed, TaskScheduledId: work.seq, Reason: message, Details: '', FailureDetails: { ErrorType: 'Error', ErrorMessage: message } };
    } else {
      this.stats.activities++;
      const outcome = await invokeSafely(this.#h, functionName, work.input);
      if (outcome.error === undefined) {
        completion = { EventType: EventType.TaskCompleted, TaskScheduledId: work.seq, Result: resultText(outcome.returnValue) };
      } else {
        const details = errorDetails(outcome.error);
        completion = {
          EventType: EventType.TaskFailed,
          TaskScheduledId: work.seq,
          Reason: `Activity function '${functionName}' failed: ${details?.ErrorMessage ?? outcome.error.message}`,
          Details: outcome.error.stack ?? '',
          ...(details === undefined ? {} : { FailureDetails: details }),
        };
      }
    }
    const inst = this.store.get(work.instanceId);
    if (inst === undefined || inst.executionId !== work.executionId || isTerminal(inst.runtimeStatus)) return;
    inst.inbox.push(historyEvent(completion, this.clock.now()));
    this.store.save(inst);
    this.#kick(inst.instanceId);
  }
}

/** An action the extension refuses when the orchestrator schedules it (unknown function, bad id): the orchestration fails. */
class InvalidActionError extends Error {
  override name = 'ArgumentException';
}

function describeKind(type: ActionType): string {
  switch (type) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return 'an activity task';
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return 'a sub-orchestration task';
    case ActionType.CreateTimer:
      return 'a timer task';
    default:
      return `a ${ActionType[type]} task`;
  }
}

function sameKind(a: ActionType, b: ActionType): boolean {
  const group = (t: ActionType): string => {
    if (t === ActionType.CallActivity || t === ActionType.CallActivityWithRetry) return 'activity';
    if (t === ActionType.CallSubOrchestrator || t === ActionType.CallSubOrchestratorWithRetry) return 'sub';
    return ActionType[t] ?? String(t);
  };
  return group(a) === group(b);
}

/** DTFx's non-determinism messages (TaskOrchestrationExecutor), for the first action that differs from history. */
function checkSameAction(type: ActionType, name: string | undefined, seq: number, leaf: LeafAction): void {
  if (sameKind(type, leaf.actionType) && (name ?? '') === (leaf.functionName ?? '')) return;
  const named = name === undefined ? '' : ` and name '${name}'`;
  throw new NonDeterminismError(
    `A previous execution of this orchestration scheduled ${describeKind(type)} with sequence ID ${seq}${named}, but the current replay execution hasn't (yet?) scheduled this task. Was a change made to the orchestrator code after this instance had already started running?`,
  );
}

function isEarlierAttempt(groups: readonly RetryGroup[], seq: number): boolean {
  return groups.some((g) => g.taskSeq !== seq && g.attemptSeqs.includes(seq));
}

function parseHttpRequest(value: unknown): DurableHttpRequest {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof v['method'] !== 'string' || typeof v['uri'] !== 'string') throw new ProtocolError('a CallHttp action without method and uri');
  return v as unknown as DurableHttpRequest;
}

function parseFailureDetails(value: unknown): FailureDetails | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['ErrorType'] !== 'string' || typeof v['ErrorMessage'] !== 'string') return undefined;
  return v as unknown as FailureDetails;
}

/** EventRaised events of this execution that no waitForExternalEvent consumed (the SDK matches them in order). */
function unconsumedEvents(history: HistoryEvent[], leaves: LeafAction[]): EventRaisedEvent[] {
  const waits = new Map<string, number>();
  for (const leaf of leaves) {
    const name = leaf.externalEventName;
    if (leaf.actionType === ActionType.WaitForExternalEvent && typeof name === 'string') waits.set(name, (waits.get(name) ?? 0) + 1);
  }
  const result: EventRaisedEvent[] = [];
  for (const e of history) {
    if (e.EventType !== EventType.EventRaised) continue;
    const left = waits.get(e.Name) ?? 0;
    if (left > 0) waits.set(e.Name, left - 1);
    else result.push(e);
  }
  return result;
}
