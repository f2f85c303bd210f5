// Durable Task history events in the JSON shape the out-of-process SDKs read (DTFx names, PascalCase).
// EventType numbers follow durable-functions' HistoryEventType.

export enum EventType {
  ExecutionStarted = 0,
  ExecutionCompleted = 1,
  ExecutionFailed = 2,
  ExecutionTerminated = 3,
  TaskScheduled = 4,
  TaskCompleted = 5,
  TaskFailed = 6,
  SubOrchestrationInstanceCreated = 7,
  SubOrchestrationInstanceCompleted = 8,
  SubOrchestrationInstanceFailed = 9,
  TimerCreated = 10,
  TimerFired = 11,
  OrchestratorStarted = 12,
  OrchestratorCompleted = 13,
  EventSent = 14,
  EventRaised = 15,
  ContinueAsNew = 16,
  GenericEvent = 17,
  HistoryState = 18,
  ExecutionSuspended = 19,
  ExecutionResumed = 20,
}

/** The failure shape the SDK turns into a TaskFailedError (durable-functions FailureDetailsPayload). */
export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable?: boolean;
  Properties?: Record<string, unknown>;
  InnerFailure?: FailureDetails;
}

interface EventBase {
  /** Sequence number for events that schedule work; -1 for the rest, as DTFx writes them. */
  EventId: number;
  IsPlayed: boolean;
  /** ISO 8601; the SDK turns every `Timestamp` into a Date. */
  Timestamp: string;
}

export interface ExecutionStartedEvent extends EventBase {
  EventType: EventType.ExecutionStarted;
  Name: string;
  /** JSON text, absent when the orchestration has no input. */
  Input?: string;
  Version?: string;
  OrchestrationInstance: { InstanceId: string; ExecutionId: string };
  ParentInstance?: { Name: string; TaskScheduleId: number; OrchestrationInstance: { InstanceId: string; ExecutionId: string } };
}
export interface ExecutionCompletedEvent extends EventBase {
  EventType: EventType.ExecutionCompleted;
  OrchestrationStatus: 'Completed' | 'Failed' | 'ContinuedAsNew';
  Result?: string;
  FailureDetails?: FailureDetails;
}
export interface ExecutionTerminatedEvent extends EventBase {
  EventType: EventType.ExecutionTerminated;
  Input?: string;
}
export interface TaskScheduledEvent extends EventBase {
  EventType: EventType.TaskScheduled;
  Name: string;
  Input?: string;
}
export interface TaskCompletedEvent extends EventBase {
  EventType: EventType.TaskCompleted;
  TaskScheduledId: number;
  Result: string;
}
export interface TaskFailedEvent extends EventBase {
  EventType: EventType.TaskFailed;
  TaskScheduledId: number;
  Reason: string;
  Details: string;
  FailureDetails?: FailureDetails;
}
export interface SubOrchestrationInstanceCreatedEvent extends EventBase {
  EventType: EventType.SubOrchestrationInstanceCreated;
  Name: string;
  InstanceId: string;
  Input?: string;
}
export interface SubOrchestrationInstanceCompletedEvent extends EventBase {
  EventType: EventType.SubOrchestrationInstanceCompleted;
  TaskScheduledId: number;
  Result: string;
}
export interface SubOrchestrationInstanceFailedEvent extends EventBase {
  EventType: EventType.SubOrchestrationInstanceFailed;
  TaskScheduledId: number;
  Reason: string;
  Details: string;
  FailureDetails?: FailureDetails;
}
export interface TimerCreatedEvent extends EventBase {
  EventType: EventType.TimerCreated;
  FireAt: string;
}
export interface TimerFiredEvent extends EventBase {
  EventType: EventType.TimerFired;
  TimerId: number;
  FireAt: string;
}
export interface OrchestratorStartedEvent extends EventBase {
  EventType: EventType.OrchestratorStarted;
}
export interface OrchestratorCompletedEvent extends EventBase {
  EventType: EventType.OrchestratorCompleted;
}
export interface EventSentEvent extends EventBase {
  EventType: EventType.EventSent;
  /** The target: an entity's scheduler id (`@name@key`) or an orchestration instance id. */
  InstanceId: string;
  Name: string;
  /** JSON text of the request message. */
  Input?: string;
}
export interface EventRaisedEvent extends EventBase {
  EventType: EventType.EventRaised;
  Name: string;
  Input?: string;
}
export interface ContinueAsNewEvent extends EventBase {
  EventType: EventType.ContinueAsNew;
  Result?: string;
}
export interface GenericEvent extends EventBase {
  EventType: EventType.GenericEvent;
  Data: string;
}
export interface ExecutionSuspendedEvent extends EventBase {
  EventType: EventType.ExecutionSuspended;
  Reason?: string;
}
export interface ExecutionResumedEvent extends EventBase {
  EventType: EventType.ExecutionResumed;
  Reason?: string;
}

export type HistoryEvent =
  | ExecutionStartedEvent
  | ExecutionCompletedEvent
  | ExecutionTerminatedEvent
  | TaskScheduledEvent
  | TaskCompletedEvent
  | TaskFailedEvent
  | SubOrchestrationInstanceCreatedEvent
  | SubOrchestrationInstanceCompletedEvent
  | SubOrchestrationInstanceFailedEvent
  | TimerCreatedEvent
  | TimerFiredEvent
  | OrchestratorStartedEvent
  | OrchestratorCompletedEvent
  | EventSentEvent
  | EventRaisedEvent
  | ContinueAsNewEvent
  | GenericEvent
  | ExecutionSuspendedEvent
  | ExecutionResumedEvent;

/** Distributes Omit over the union so each event keeps its own fields. */
type WithoutBase<T> = T extends HistoryEvent ? Omit<T, 'EventId' | 'IsPlayed' | 'Timestamp'> : never;
export type NewHistoryEvent = WithoutBase<HistoryEvent>;

/** Builds an event; `eventId` only for events that carry a sequence number. */
export function historyEvent(fields: NewHistoryEvent, timestamp: Date, eventId = -1): HistoryEvent {
  return { EventId: eventId, IsPlayed: false, Timestamp: timestamp.toISOString(), ...fields } as HistoryEvent;
}

/** The id of the task an incoming event completes, or undefined for events that complete nothing. */
export function completedTaskId(event: HistoryEvent): number | undefined {
  switch (event.EventType) {
    case EventType.TaskCompleted:
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceCompleted:
    case EventType.SubOrchestrationInstanceFailed:
      return event.TaskScheduledId;
    case EventType.TimerFired:
      return event.TimerId;
    default:
      return undefined;
  }
}

/** The `EventType` names the public status API shows. */
export function eventTypeName(type: EventType): string {
  return EventType[type];
}
