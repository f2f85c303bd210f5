// What an orchestrator episode returns (durable-functions OrchestratorState) and its actions,
// read defensively because they arrive as JSON from user code running the SDK.

export enum ActionType {
  CallActivity = 0,
  CallActivityWithRetry = 1,
  CallSubOrchestrator = 2,
  CallSubOrchestratorWithRetry = 3,
  ContinueAsNew = 4,
  CreateTimer = 5,
  WaitForExternalEvent = 6,
  CallEntity = 7,
  CallHttp = 8,
  SignalEntity = 9,
  WhenAny = 11,
  WhenAll = 12,
  LockEntities = 13,
  ReleaseEntities = 14,
}

export enum ReplaySchema {
  V1 = 0,
  V2 = 1,
  V3 = 2,
  V4 = 3,
}

/** durable-functions RetryOptions as serialized into CallActivityWithRetry / CallSubOrchestratorWithRetry. */
export interface RetryOptions {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface LeafAction {
  actionType: ActionType;
  functionName?: string;
  /** As the SDK sent it: string inputs of activities and continueAsNew arrive JSON-quoted. */
  input?: unknown;
  /** Sub-orchestration instance id, or the entity's scheduler id (`@name@key`) for entity actions. */
  instanceId?: string;
  version?: string;
  retryOptions?: RetryOptions;
  fireAt?: string;
  isCanceled?: boolean;
  /** CallEntity / SignalEntity: the operation name. */
  operation?: string;
  /** LockEntities: the request id (a deterministic GUID) and the entities, sorted and deduplicated. */
  lockRequestId?: string;
  lockSet?: { name: string; key: string }[];
  /** CallHttp: the DurableHttpRequest. */
  httpRequest?: unknown;
  /** WaitForExternalEvent's event name. */
  externalEventName?: string;
  /** Not sent by durable-functions 3.x (its continueAsNew has no such flag); honoured when present. */
  preserveUnprocessedEvents?: boolean;
}

export interface OrchestratorState {
  isDone: boolean;
  actions: unknown[];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
  failureDetails?: unknown;
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseOrchestratorState(text: string): OrchestratorState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError('the orchestrator returned a value that is not JSON: is it registered with df.app.orchestration?');
  }
  if (!isRecord(value) || typeof value['isDone'] !== 'boolean' || !Array.isArray(value['actions'])) {
    throw new ProtocolError('the orchestrator returned something other than an OrchestratorState: is it registered with df.app.orchestration?');
  }
  return value as unknown as OrchestratorState;
}

function toLeaf(value: Record<string, unknown>): LeafAction {
  const actionType = value['actionType'];
  if (typeof actionType !== 'number' || ActionType[actionType] === undefined) {
    throw new ProtocolError(`unknown orchestrator action ${JSON.stringify(value)}`);
  }
  return value as unknown as LeafAction;
}

/**
 * Flattens the cumulative actions into leaves in the order the SDK gave them sequence numbers:
 * V1 sends `[[a], [b, c]]` (compound tasks already flattened), V2+ sends `[[a, {WhenAll: [b, c]}]]`.
 */
export function flattenActions(actions: unknown[]): LeafAction[] {
  const leaves: LeafAction[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isRecord(value)) throw new ProtocolError(`malformed orchestrator action ${JSON.stringify(value)}`);
    if (value['actionType'] === ActionType.WhenAll || value['actionType'] === ActionType.WhenAny) {
      const children = value['compoundActions'];
      if (!Array.isArray(children)) throw new ProtocolError('a WhenAll/WhenAny action without compoundActions');
      for (const child of children) visit(child);
      return;
    }
    leaves.push(toLeaf(value));
  };
  visit(actions);
  return leaves;
}

/** Whether a leaf action takes a sequence number (the SDK's trackOpenTask / recordFireAndForgetAction). */
export function takesSequenceNumber(action: LeafAction): boolean {
  return action.actionType !== ActionType.WaitForExternalEvent && action.actionType !== ActionType.ContinueAsNew;
}

/**
 * Activity and continueAsNew inputs come JSON-quoted when they are strings (the SDK's
 * Utils.processInput); everything else is the raw value. Returns the value the user passed.
 */
export function unquoteInput(input: unknown): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

/** JSON text for a value, `undefined` staying absent as DTFx leaves a null input out. */
export function toJsonText(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}
