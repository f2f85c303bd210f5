// An IM workflow: a JSON graph of activities with named exits. Validation (validate.ts) makes sure
// a service only ever runs a graph the interpreter (src/workflow) can run to an end.

export type Visibility = 'ALL' | 'INT' | 'VIP';

/** Parameter templates: `{{name}}` is replaced by the task parameter `name` (empty when unset). */
export type Template = string;

export type ConditionOperator = 'equals' | 'notEquals' | 'contains' | 'exists' | 'notExists' | 'greaterThan' | 'lessThan' | 'matches';

export type NodeSettings =
  | { readonly type: 'Accept' }
  | { readonly type: 'Message'; readonly text: Template; readonly visibility: Visibility; readonly nickname?: string; readonly messageType: 'text' | 'notice' }
  | { readonly type: 'Notice'; readonly kind: 'push-url'; readonly url: Template; readonly text?: Template }
  | { readonly type: 'Notice'; readonly kind: 'custom'; readonly text: Template }
  | { readonly type: 'CollectInformation'; readonly prompt: Template; readonly parameter: string; readonly timeoutSeconds: number }
  | { readonly type: 'InputCustomer'; readonly prompt: Template; readonly options: readonly { readonly key: string; readonly label: string; readonly exit: string }[]; readonly retries: number; readonly timeoutSeconds: number }
  | { readonly type: 'Delay'; readonly seconds: number }
  | { readonly type: 'SaveToParameter'; readonly parameter: string; readonly value: Template }
  | { readonly type: 'CheckParameter'; readonly conditions: readonly { readonly parameter: string; readonly operator: ConditionOperator; readonly value?: string; readonly exit: string }[] }
  | { readonly type: 'CheckOpeningHours'; readonly calendarId: string }
  | { readonly type: 'AvailabilityBasedRouting'; readonly measure: 'on-duty' | 'available'; readonly threshold: number }
  | { readonly type: 'GetAvailableUsers'; readonly onDutyParameter: string; readonly availableParameter: string }
  | { readonly type: 'GetQueuePosition'; readonly postToChat: boolean; readonly template?: Template; readonly positionThreshold?: number; readonly waitThresholdSeconds?: number }
  | { readonly type: 'QueueTask'; readonly timeoutSeconds: number }
  | { readonly type: 'DistributionPriority'; readonly priority: number }
  | { readonly type: 'CheckTask'; readonly check: 'waiting' | 'customer-online' }
  | { readonly type: 'CancelTask'; readonly reason: string }
  | { readonly type: 'Transfer'; readonly serviceId: string }
  | {
      readonly type: 'WebRequest';
      readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      readonly url: Template;
      readonly headers?: Readonly<Record<string, Template>>;
      readonly body?: Template;
      readonly timeoutSeconds: number;
      /** Response JSON fields (dot paths) saved to parameters. */
      readonly saveResponse?: readonly { readonly field: string; readonly parameter: string }[];
    }
  | { readonly type: 'Disconnect'; readonly closingMessage?: Template }
  | { readonly type: 'MarkAsHandled' }
  | { readonly type: 'DisconnectAsHandled'; readonly closingMessage?: Template };

export type ActivityType = NodeSettings['type'];

export interface WorkflowNode {
  readonly id: string;
  readonly settings: NodeSettings;
  /** Exit name -> the id of the node it leads to. Which exits a node has depends on its type (exitsOf). */
  readonly exits: Readonly<Record<string, string>>;
}

export interface WorkflowDefinition {
  readonly name: string;
  readonly modality: 'IM';
  readonly start: string;
  readonly nodes: readonly WorkflowNode[];
}

export interface WorkflowVersion extends WorkflowDefinition {
  /** `<workflowId>@<version>`: every version is its own document, never changed once written. */
  readonly id: string;
  readonly workflowId: string;
  readonly version: number;
  readonly createdAt: string;
}

/** Nodes that end the workflow: they have no exits. */
export const terminalTypes: readonly ActivityType[] = ['CancelTask', 'Transfer', 'Disconnect', 'DisconnectAsHandled'];

/** Nodes that wait (for the customer, a timer or the queue): a cycle must pass through one. */
export const waitingTypes: readonly ActivityType[] = ['Delay', 'CollectInformation', 'InputCustomer', 'QueueTask'];

/** Activities other products offer that the IM modality does not support. */
export const unsupportedForIm = ['Announcement', 'Forward', 'PlayMusic', 'VoiceMessage', 'StandbyDuty', 'VirtualUser', 'Reply', 'InputCustomerAdvanced', 'WaitForParameter'] as const;

/** The longest timer a workflow may set (Durable timers longer than this are split; we refuse them). */
export const maxTimerSeconds = 6 * 24 * 3600;

/**
 * The exits a node has. Every one must be wired to an existing node, except QueueTask's
 * `connected`, which may be left out: once the chat is with an agent the workflow is done.
 */
export function exitsOf(settings: NodeSettings): readonly string[] {
  switch (settings.type) {
    case 'CollectInformation':
      return ['next', 'timeout'];
    case 'InputCustomer':
      return [...new Set(settings.options.map((o) => o.exit)), 'noMatch', 'timeout'];
    case 'CheckParameter':
      return [...new Set(settings.conditions.map((c) => c.exit)), 'else'];
    case 'CheckOpeningHours':
      return ['open', 'closed', 'holiday'];
    case 'AvailabilityBasedRouting':
      return ['atOrAbove', 'below'];
    case 'GetQueuePosition':
      return settings.positionThreshold !== undefined || settings.waitThresholdSeconds !== undefined ? ['within', 'beyond'] : ['next'];
    case 'QueueTask':
      return ['connected', 'timeout', 'queueFull'];
    case 'CheckTask':
      return ['yes', 'no'];
    case 'WebRequest':
      return ['success', 'failure'];
    case 'CancelTask':
    case 'Transfer':
    case 'Disconnect':
    case 'DisconnectAsHandled':
      return [];
    default:
      return ['next'];
  }
}

export const optionalExits: Readonly<Partial<Record<ActivityType, readonly string[]>>> = { QueueTask: ['connected'] };

/** What a workflow definition names elsewhere: calendars it checks and services it transfers to (each once). */
export function referencesOf(definition: WorkflowDefinition): { calendarIds: readonly string[]; transferServiceIds: readonly string[] } {
  const calendarIds = new Set<string>();
  const transferServiceIds = new Set<string>();
  for (const { settings } of definition.nodes) {
    if (settings.type === 'CheckOpeningHours') calendarIds.add(settings.calendarId);
    if (settings.type === 'Transfer') transferServiceIds.add(settings.serviceId);
  }
  return { calendarIds: [...calendarIds], transferServiceIds: [...transferServiceIds] };
}
