// Instance status in the shape of the extension's HTTP API (StatusResponsePayload), history included on request.
import { EventType, eventTypeName, type HistoryEvent } from './history';
import type { OrchestrationInstance, RuntimeStatus } from './instance';

export interface StatusOptions {
  showHistory: boolean;
  showHistoryOutput: boolean;
  showInput: boolean;
}

export interface StatusPayload {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Record<string, unknown>[];
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** .NET's `ToString("s") + "Z"`: seconds precision. */
function toSeconds(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}

export function toStatusPayload(inst: OrchestrationInstance, options: StatusOptions): StatusPayload {
  const payload: StatusPayload = {
    name: inst.name,
    instanceId: inst.instanceId,
    runtimeStatus: inst.runtimeStatus,
    input: options.showInput ? parseJson(inst.input) : null,
    customStatus: parseJson(inst.customStatus),
    output: parseJson(inst.output),
    createdTime: toSeconds(inst.createdTime),
    lastUpdatedTime: toSeconds(inst.lastUpdatedTime),
  };
  if (options.showHistory) payload.historyEvents = historyForStatus(inst.history, options);
  return payload;
}

/**
 * The history as the extension's status API shows it: scheduling events folded into their
 * completions (FunctionName, ScheduledTime), replay bookkeeping (OrchestratorStarted/Completed) left out.
 */
export function historyForStatus(history: readonly HistoryEvent[], options: Pick<StatusOptions, 'showHistoryOutput' | 'showInput'>): Record<string, unknown>[] {
  const scheduled = new Map<number, { name: string; time: string }>();
  const result: Record<string, unknown>[] = [];
  for (const e of history) {
    switch (e.EventType) {
      case EventType.OrchestratorStarted:
      case EventType.OrchestratorCompleted:
        break;
      case EventType.TaskScheduled:
      case EventType.SubOrchestrationInstanceCreated:
        scheduled.set(e.EventId, { name: e.Name, time: e.Timestamp });
        break;
      case EventType.ExecutionStarted:
        result.push({ EventType: eventTypeName(e.EventType), FunctionName: e.Name, Timestamp: e.Timestamp, ...(options.showInput ? { Input: parseJson(e.Input) } : {}) });
        break;
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted: {
        const origin = scheduled.get(e.TaskScheduledId);
        result.push({
          EventType: eventTypeName(e.EventType),
          FunctionName: origin?.name,
          ScheduledTime: origin?.time,
          Timestamp: e.Timestamp,
          ...(options.showHistoryOutput ? { Result: parseJson(e.Result) } : {}),
        });
        break;
      }
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed: {
        const origin = scheduled.get(e.TaskScheduledId);
        result.push({ EventType: eventTypeName(e.EventType), FunctionName: origin?.name, ScheduledTime: origin?.time, Timestamp: e.Timestamp, Reason: e.Reason, Details: e.Details });
        break;
      }
      case EventType.TimerCreated:
        result.push({ EventType: eventTypeName(e.EventType), FireAt: e.FireAt, Timestamp: e.Timestamp });
        break;
      case EventType.TimerFired:
        result.push({ EventType: eventTypeName(e.EventType), TimerId: e.TimerId, FireAt: e.FireAt, Timestamp: e.Timestamp });
        break;
      case EventType.EventRaised:
        result.push({ EventType: eventTypeName(e.EventType), Name: e.Name, Timestamp: e.Timestamp, ...(options.showInput ? { Input: parseJson(e.Input) } : {}) });
        break;
      case EventType.ExecutionCompleted:
        result.push({
          EventType: eventTypeName(e.EventType),
          OrchestrationStatus: e.OrchestrationStatus,
          Timestamp: e.Timestamp,
          ...(options.showHistoryOutput || e.OrchestrationStatus === 'Failed' ? { Result: parseJson(e.Result) } : {}),
          ...(e.FailureDetails === undefined ? {} : { FailureDetails: e.FailureDetails }),
        });
        break;
      default:
        result.push({ ...e, EventType: eventTypeName(e.EventType) });
    }
  }
  return result;
}
