// In-memory chat ports for unit tests: the conversation store (visibility filtered as the Cosmos
// query filters it), the customer-token store, and a workflow client that records what it is asked.
import type { ChatDeps, ChatEventName, ChatWorkflowClient, ConversationStore, CustomerTokenRecord, CustomerTokenStore } from '../../src/chat/ports';
import type { ChatMessage, ConversationHeader } from '../../src/domain/conversation';
import type { Visibility } from '../../src/domain/workflow/model';
import type { ChatWorkflowInput } from '../../src/workflow/contract';
import { createMemoryDistribution, type MemoryDistribution } from './memoryDistribution';

export class MemoryConversations implements ConversationStore {
  readonly headers = new Map<string, ConversationHeader>();
  readonly messages = new Map<string, ChatMessage[]>();

  async createHeader(header: ConversationHeader): Promise<ConversationHeader> {
    const stored = this.headers.get(header.conversationId);
    if (stored) return stored;
    this.headers.set(header.conversationId, structuredClone(header));
    return header;
  }
  async readHeader(conversationId: string): Promise<ConversationHeader | undefined> {
    const header = this.headers.get(conversationId);
    return header ? structuredClone(header) : undefined;
  }
  async updateHeader(conversationId: string, changes: Partial<ConversationHeader>): Promise<void> {
    const header = this.headers.get(conversationId);
    if (!header) throw new Error(`no header ${conversationId}`);
    this.headers.set(conversationId, { ...header, ...changes });
  }
  async append(message: ChatMessage): Promise<{ message: ChatMessage; created: boolean }> {
    const list = this.messages.get(message.conversationId) ?? [];
    const stored = list.find((m) => m.id === message.id);
    if (stored) return { message: structuredClone(stored), created: false };
    list.push(structuredClone(message));
    this.messages.set(message.conversationId, list);
    return { message, created: true };
  }
  async readMessage(conversationId: string, messageId: string): Promise<ChatMessage | undefined> {
    const stored = this.messages.get(conversationId)?.find((m) => m.id === messageId);
    return stored ? structuredClone(stored) : undefined;
  }
  async list(conversationId: string, visibilities: readonly Visibility[]): Promise<readonly ChatMessage[]> {
    return (this.messages.get(conversationId) ?? []).filter((m) => visibilities.includes(m.visibility)).sort((a, b) => a.postedAt.localeCompare(b.postedAt)).map((m) => structuredClone(m));
  }
}

export class MemoryTokens implements CustomerTokenStore {
  readonly records = new Map<string, CustomerTokenRecord>();
  async put(record: CustomerTokenRecord): Promise<void> {
    this.records.set(record.chatId, structuredClone(record));
  }
  async read(chatId: string): Promise<CustomerTokenRecord | undefined> {
    const record = this.records.get(chatId);
    return record ? structuredClone(record) : undefined;
  }
}

export class RecordingWorkflows implements ChatWorkflowClient {
  readonly started: ChatWorkflowInput[] = [];
  readonly raised: { taskId: string; event: ChatEventName; payload: Readonly<Record<string, unknown>> }[] = [];
  async start(input: ChatWorkflowInput): Promise<void> {
    this.started.push(input);
  }
  async raise(taskId: string, event: ChatEventName, payload: Readonly<Record<string, unknown>>): Promise<void> {
    this.raised.push({ taskId, event, payload: structuredClone(payload) });
  }
}

export interface MemoryChat extends MemoryDistribution {
  readonly chat: ChatDeps;
  readonly conversations: MemoryConversations;
  readonly tokens: MemoryTokens;
  readonly workflows: RecordingWorkflows;
  /** Workflow version per service id; services not listed have none. */
  readonly workflowVersions: Map<string, string>;
}

export function createMemoryChat(): MemoryChat {
  const distribution = createMemoryDistribution();
  const conversations = new MemoryConversations();
  const tokens = new MemoryTokens();
  const workflowVersions = new Map<string, string>();
  const chat: ChatDeps = { distribution: distribution.deps, conversations, tokens, resolveWorkflowVersion: (serviceId) => Promise.resolve(workflowVersions.get(serviceId)) };
  return { ...distribution, chat, conversations, tokens, workflows: new RecordingWorkflows(), workflowVersions };
}
