// The broker's record of a message and how it is shown to a client on each delivery.
import { types, type Message as AmqpMessage } from 'rhea';
import type { FilterableMessage } from './sqlFilter';

export type MessageState = 'active' | 'deferred' | 'scheduled';

/** The receiving link (or management receive) a message lock belongs to. */
export interface Consumer {
  readonly id: string;
  readonly receiveAndDelete: boolean;
  /** The session this link accepted, for session receivers. */
  readonly session: SessionQueue | undefined;
  credit(): number;
  deliver(message: StoredMessage): void;
  /** The session lock expired: the link must go (the service detaches it with session-lock-lost). */
  sessionLost(): void;
}

export interface MessageLock {
  readonly token: string;
  until: number;
  /** Undefined when the lock came from receive-by-sequence-number on $management. */
  readonly holder: Consumer | undefined;
  /** Session messages are locked by their session's lock, not one of their own. */
  readonly session: SessionQueue | undefined;
}

export interface StoredMessage {
  readonly sequenceNumber: number;
  readonly messageId: string;
  readonly sessionId: string | undefined;
  readonly enqueuedAt: number;
  readonly expiresAt: number;
  deliveryCount: number;
  state: MessageState;
  scheduledAt: number | undefined;
  /** The message as the client sent it; broker annotations are added per delivery. */
  amqp: AmqpMessage;
  lock: MessageLock | undefined;
}

export interface SessionQueue {
  readonly id: string;
  readonly queue: SequenceQueue;
  state: Buffer | undefined;
  owner: Consumer | undefined;
  lockedUntil: number;
  updatedAt: number;
}

/** Messages ordered by sequence number; abandoned messages go back to their place near the head. */
export class SequenceQueue {
  private items: StoredMessage[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  peekHead(): StoredMessage | undefined {
    return this.items[this.head];
  }

  insert(message: StoredMessage): void {
    const items = this.items;
    const last = items[items.length - 1];
    if (last === undefined || this.length === 0 || last.sequenceNumber < message.sequenceNumber) {
      items.push(message);
      return;
    }
    let lo = this.head;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const item = items[mid];
      if (item !== undefined && item.sequenceNumber < message.sequenceNumber) lo = mid + 1;
      else hi = mid;
    }
    items.splice(lo, 0, message);
  }

  shift(): StoredMessage | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.items[this.head] = undefined as unknown as StoredMessage;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  remove(message: StoredMessage): boolean {
    for (let i = this.head; i < this.items.length; i++) {
      if (this.items[i] === message) {
        this.items.splice(i, 1);
        return true;
      }
    }
    return false;
  }
}

function optionalString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return Buffer.isBuffer(value) ? value.toString('hex') : String(value);
}

export function toFilterable(amqp: AmqpMessage): FilterableMessage {
  return {
    messageId: optionalString(amqp.message_id),
    correlationId: optionalString(amqp.correlation_id),
    to: optionalString(amqp.to),
    replyTo: optionalString(amqp.reply_to),
    subject: optionalString(amqp.subject),
    sessionId: optionalString(amqp.group_id),
    replyToSessionId: optionalString(amqp.reply_to_group_id),
    contentType: optionalString(amqp.content_type),
    applicationProperties: (amqp.application_properties ?? {}) as Record<string, unknown>,
  };
}

const stateCode: Record<MessageState, number> = { active: 0, deferred: 1, scheduled: 2 };

/** The message as the service sends it on a delivery or a peek: system properties as annotations. */
export function toDeliveredAmqp(message: StoredMessage, lockedUntil: number | undefined): AmqpMessage {
  const annotations: Record<string, unknown> = {
    ...(message.amqp.message_annotations ?? {}),
    'x-opt-sequence-number': types.wrap_long(message.sequenceNumber),
    'x-opt-enqueued-time': new Date(message.enqueuedAt),
  };
  if (lockedUntil !== undefined) annotations['x-opt-locked-until'] = new Date(lockedUntil);
  if (message.state !== 'active') annotations['x-opt-message-state'] = types.wrap_int(stateCode[message.state]);
  if (message.scheduledAt !== undefined) annotations['x-opt-scheduled-enqueue-time'] = new Date(message.scheduledAt);
  return {
    ...message.amqp,
    // The wire count is the number of earlier deliveries; .NET adds one when it shows it, JS does not.
    delivery_count: message.deliveryCount,
    message_annotations: annotations,
  };
}
