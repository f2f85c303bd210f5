// The chat workflow orchestration's contract, shared by whoever starts it, signals it and runs it.

/** The orchestrator function's name; its instance id is the task id. */
export const chatWorkflowName = 'chatWorkflow';

export interface ChatWorkflowInput {
  readonly taskId: string;
  readonly serviceId: string;
  /** The workflow version document id (`<workflowId>@<version>`) the task runs, fixed at start. */
  readonly workflowVersionId: string;
  /** The node to resume at (continueAsNew carries it); absent at start and after a transfer. */
  readonly resumeAt?: string;
  /**
   * How many keyed side effects (messages, requests) the instance has made so far, across every
   * execution and transfer: keys derive from it, so it never restarts while the chat lives.
   */
  readonly sequence?: number;
}

/** External events the orchestration waits for. Payloads carry ids, never message bodies. */
export const chatEvents = {
  /** A customer posted a message: `{ messageId }`. */
  customerMessage: 'customerMessage',
  /** The customer left the chat. */
  customerLeft: 'customerLeft',
  /** The queued task reached an agent: `{ agentId }`. */
  taskConnected: 'taskConnected',
  /** The task ended while queued (cancelled, abandoned): `{ state }`. */
  taskEnded: 'taskEnded',
} as const;

export interface CustomerMessageEvent {
  readonly messageId: string;
}
