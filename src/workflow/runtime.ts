// What running a workflow needs besides distribution: workflow versions, calendars, the
// conversation, and outbound HTTP. The composition root wires the adapters.
import type { DistributionDeps } from '../distribution/ports';
import type { WorkflowVersion } from '../domain/workflow/model';

export type OpeningState = 'open' | 'closed' | 'holiday';

export interface WorkflowConversation {
  /** Posts a message from the workflow; the same message id twice is one message. */
  post(taskId: string, message: { messageId: string; text: string; visibility: 'ALL' | 'INT' | 'VIP'; nickname: string; kind: 'text' | 'notice' }): Promise<void>;
  /** A customer's message in this chat (text and when it was posted), or undefined. */
  customerMessage(taskId: string, messageId: string): Promise<{ text: string; postedAt: string } | undefined>;
  /** The customer's first message posted at or after `since`, if any (a reply whose event was missed). */
  customerMessageSince(taskId: string, since: string): Promise<{ messageId: string; text: string } | undefined>;
  customerOnline(taskId: string): Promise<boolean>;
}

export interface WorkflowRuntime {
  readonly distribution: DistributionDeps;
  readVersion(versionId: string): Promise<WorkflowVersion | undefined>;
  /** The current version id of the service's workflow, or undefined when the service has none. */
  currentVersionFor(serviceId: string): Promise<string | undefined>;
  openingState(calendarId: string, at: Date): Promise<OpeningState>;
  readonly conversation: WorkflowConversation;
  readonly fetch: typeof fetch;
}
