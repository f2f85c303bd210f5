// What the chat use cases need from the outside world: the conversation store, customer tokens,
// and the chat's workflow orchestration. Storage adapters live in src/storage; the orchestration
// adapter lives in functions/ (only functions/ may import durable-functions).
import type { ChatMessage, ConversationHeader } from '../domain/conversation';
import type { Visibility } from '../domain/workflow/model';
import type { DistributionDeps } from '../distribution/ports';
import type { ChatWorkflowInput, chatEvents } from '../workflow/contract';

export interface ConversationStore {
  /** Creates the header; when it exists already (a retried start) keeps and returns the stored one. */
  createHeader(header: ConversationHeader): Promise<ConversationHeader>;
  readHeader(conversationId: string): Promise<ConversationHeader | undefined>;
  /** Sets the given fields of an existing header. */
  updateHeader(conversationId: string, changes: Partial<Pick<ConversationHeader, 'status' | 'customerOnline' | 'lastCustomerMessageAt' | 'endedAt'>>): Promise<void>;
  /** Appends a message once per id: appending the same id again returns the stored message, `created: false`. */
  append(message: ChatMessage): Promise<{ message: ChatMessage; created: boolean }>;
  readMessage(conversationId: string, messageId: string): Promise<ChatMessage | undefined>;
  /** The conversation's messages with one of `visibilities`, oldest first (filtered in the query, not after it). */
  list(conversationId: string, visibilities: readonly Visibility[]): Promise<readonly ChatMessage[]>;
}

/** A customer token as stored: only its SHA-256 hash, never the token. */
export interface CustomerTokenRecord {
  readonly chatId: string;
  readonly sha256: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
  /** Set when the customer left: the token opens nothing any more. */
  readonly closedAt: string | null;
}

export interface CustomerTokenStore {
  /** Creates or overwrites the chat's token record (a chat has one customer token). */
  put(record: CustomerTokenRecord): Promise<void>;
  read(chatId: string): Promise<CustomerTokenRecord | undefined>;
}

/** Starts the chat's workflow orchestration (instance id = task id). */
export interface WorkflowStarter {
  /** Starting an instance that already runs is a no-op, so a retried start is safe. */
  start(input: ChatWorkflowInput): Promise<void>;
}

export type ChatEventName = (typeof chatEvents)[keyof typeof chatEvents];

/** Tells the chat's orchestration what happened. Payloads carry ids, never message bodies. */
export interface WorkflowSignals {
  /** Raising on an instance that is missing or finished does nothing: nobody is listening. */
  raise(taskId: string, event: ChatEventName, payload: Readonly<Record<string, unknown>>): Promise<void>;
}

/** The orchestration as one HTTP invocation sees it (its Durable client is per invocation). */
export type ChatWorkflowClient = WorkflowStarter & WorkflowSignals;

export interface ChatDeps {
  readonly distribution: DistributionDeps;
  readonly conversations: ConversationStore;
  readonly tokens: CustomerTokenStore;
  /**
   * The workflow version (`<workflowId>@<version>`) a new chat of the service runs, or undefined
   * when the service has no workflow (its chats are queued directly).
   */
  resolveWorkflowVersion(serviceId: string): Promise<string | undefined>;
}
