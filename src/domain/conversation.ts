// A chat's conversation: its messages and who may see them. The chat id, the task id and the
// conversation id are one and the same id.
import type { Visibility } from './workflow/model';

export type AuthorRole = 'customer' | 'agent' | 'supervisor' | 'system' | 'workflow';

/** Who reads a conversation: the customer, an agent on the task, or a supervisor. */
export type ReaderRole = 'customer' | 'agent' | 'supervisor';

export type MessageKind = 'text' | 'notice';

export interface ChatMessage {
  readonly id: string;
  readonly conversationId: string;
  readonly authorRole: AuthorRole;
  /** The agent's or supervisor's id; absent for the customer, the system and workflows. */
  readonly authorId?: string;
  readonly nickname: string;
  readonly text: string;
  readonly visibility: Visibility;
  readonly kind: MessageKind;
  readonly postedAt: string;
  readonly seq?: number;
}

export type ConversationStatus = 'open' | 'ended';

/** One per conversation, beside its messages: what the chat is and whether the customer is still there. */
export interface ConversationHeader {
  readonly conversationId: string;
  readonly channel: string;
  readonly serviceId: string;
  /** Set for a chat started directly with one agent. */
  readonly directAgentId: string | null;
  readonly customerName: string;
  readonly status: ConversationStatus;
  readonly customerOnline: boolean;
  readonly lastCustomerMessageAt: string | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
}

const visibleByRole: Readonly<Record<ReaderRole, readonly Visibility[]>> = {
  // INT is the contact center talking among itself and VIP is for supervisors: neither reaches the customer.
  customer: ['ALL'],
  agent: ['ALL', 'INT'],
  supervisor: ['ALL', 'INT', 'VIP'],
};

/** The visibilities a reader in `role` sees. */
export function visibleTo(role: ReaderRole): readonly Visibility[] {
  return visibleByRole[role];
}

export function canSee(role: ReaderRole, message: Pick<ChatMessage, 'visibility'>): boolean {
  return visibleByRole[role].includes(message.visibility);
}

/** Longest message text accepted, in characters. */
export const maxMessageLength = 4000;
