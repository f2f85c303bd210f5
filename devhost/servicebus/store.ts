// One queue or subscription (or its dead-letter queue): active, locked, deferred and scheduled
// messages, sessions and their locks, and delivery to the links that receive from it.
import { randomUUID } from 'node:crypto';
import type { Message as AmqpMessage } from 'rhea';
import type { EntityOptions } from './config';
import { BrokerError, Condition } from './errors';
import { SequenceQueue, type Consumer, type SessionQueue, type StoredMessage } from './messages';

export type Disposition =
  | { kind: 'complete' }
  | { kind: 'abandon'; propertiesToModify?: Record<string, unknown> | undefined }
  | { kind: 'defer'; propertiesToModify?: Record<string, unknown> | undefined }
  | {
      kind: 'deadLetter';
      reason?: string | undefined;
      description?: string | undefined;
      propertiesToModify?: Record<string, unknown> | undefined;
    };

/** Waits for a session to become free (acceptNextSession); returns true when it took one. */
export type SessionWaiter = () => boolean;

const ttlSweepIntervalMs = 200;

export class MessageStore {
  /** Every message of this store that is not dead-lettered, by sequence number (peek reads it). */
  readonly messages = new Map<number, StoredMessage>();
  private readonly active = new SequenceQueue();
  private readonly sessions = new Map<string, SessionQueue>();
  private readonly locked = new Map<string, StoredMessage>();
  private readonly deferred = new Map<number, StoredMessage>();
  private readonly scheduled = new Map<number, StoredMessage>();
  private readonly consumers: Consumer[] = [];
  private readonly sessionWaiters: SessionWaiter[] = [];
  /** Messages per session in any state (locked, deferred, scheduled too), so idle sessions can be dropped cheaply. */
  private readonly sessionMessageCounts = new Map<string, number>();
  private nextConsumer = 0;
  private pumping = false;
  private pumpAgain = false;
  private expiringCount = 0;
  private lastTtlSweep = 0;

  /** Set for entities with ForwardDeadLetteredMessagesTo: dead letters go there instead of the DLQ. */
  forwardDeadLetteredMessages: ((message: AmqpMessage) => void) | undefined;

  constructor(
    /** The entity path as clients address it, e.g. `orders` or `events/Subscriptions/audit`. */
    readonly path: string,
    readonly options: EntityOptions,
    /** Undefined for a dead-letter queue itself. */
    readonly deadLetterQueue: MessageStore | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  get sessionsEnabled(): boolean {
    return this.options.requiresSession;
  }

  get activeMessageCount(): number {
    let count = this.active.length;
    for (const s of this.sessions.values()) count += s.queue.length;
    return count;
  }

  // ---- arrival ----

  enqueue(message: StoredMessage): void {
    if (this.sessionsEnabled && message.sessionId === undefined) {
      throw new BrokerError(
        Condition.notAllowed,
        `The SessionId was not set on a message, and it cannot be sent to the entity '${this.path}'. Entities that have session support enabled can only receive messages that have the SessionId set to a valid value.`,
      );
    }
    this.messages.set(message.sequenceNumber, message);
    if (message.sessionId !== undefined) this.sessionMessageCounts.set(message.sessionId, (this.sessionMessageCounts.get(message.sessionId) ?? 0) + 1);
    if (Number.isFinite(message.expiresAt)) this.expiringCount++;
    if (message.scheduledAt !== undefined && message.scheduledAt > this.now()) {
      message.state = 'scheduled';
      this.scheduled.set(message.sequenceNumber, message);
      return;
    }
    this.activate(message);
  }

  cancelScheduled(sequenceNumber: number): void {
    const message = this.scheduled.get(sequenceNumber);
    if (!message) return;
    this.scheduled.delete(sequenceNumber);
    this.forget(message);
  }

  private activate(message: StoredMessage): void {
    message.state = 'active';
    message.scheduledAt = message.scheduledAt !== undefined && message.scheduledAt > message.enqueuedAt ? message.scheduledAt : undefined;
    if (this.sessionsEnabled) {
      const session = this.session(message.sessionId ?? '');
      session.queue.insert(message);
      session.updatedAt = this.now();
      if (session.owner === undefined) this.offerSessions();
    } else {
      this.active.insert(message);
    }
    this.pump();
  }

  private forget(message: StoredMessage): void {
    if (!this.messages.delete(message.sequenceNumber)) return;
    if (Number.isFinite(message.expiresAt)) this.expiringCount--;
    if (message.sessionId !== undefined) {
      const left = (this.sessionMessageCounts.get(message.sessionId) ?? 1) - 1;
      if (left > 0) this.sessionMessageCounts.set(message.sessionId, left);
      else this.sessionMessageCounts.delete(message.sessionId);
    }
  }

  // ---- delivery ----

  addConsumer(consumer: Consumer): void {
    this.consumers.push(consumer);
    this.pump();
  }

  removeConsumer(consumer: Consumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
    const session = consumer.session;
    if (session && session.owner === consumer) this.releaseSession(session, false);
  }

  /** Hands available messages to links with credit, round robin, until nothing moves. */
  pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        let moved = true;
        while (moved && this.consumers.length > 0) {
          moved = false;
          const count = this.consumers.length;
          for (let i = 0; i < count; i++) {
            const consumer = this.consumers[(this.nextConsumer + i) % count];
            if (!consumer || consumer.credit() <= 0) continue;
            const message = this.takeFor(consumer);
            if (!message) continue;
            this.nextConsumer = (this.nextConsumer + i + 1) % count;
            this.deliverTo(consumer, message);
            moved = true;
            break;
          }
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  private takeFor(consumer: Consumer): StoredMessage | undefined {
    let queue: SequenceQueue;
    if (this.sessionsEnabled) {
      const session = consumer.session;
      if (!session || session.owner !== consumer) return undefined;
      queue = session.queue;
    } else {
      queue = this.active;
    }
    const now = this.now();
    for (;;) {
      const message = queue.shift();
      if (!message) return undefined;
      if (message.expiresAt <= now) {
        this.expire(message);
        continue;
      }
      return message;
    }
  }

  private deliverTo(consumer: Consumer, message: StoredMessage): void {
    if (consumer.receiveAndDelete) {
      this.forget(message);
      consumer.deliver(message);
      return;
    }
    this.lock(message, consumer, consumer.session);
    consumer.deliver(message);
  }

  private lock(message: StoredMessage, holder: Consumer | undefined, session: SessionQueue | undefined): void {
    const token = randomUUID();
    const until = session ? session.lockedUntil : this.now() + this.options.lockDurationMs;
    message.lock = { token, until, holder, session };
    this.locked.set(token, message);
  }

  // ---- settlement ----

  private lockLost(message: StoredMessage | undefined): BrokerError {
    if (message?.lock?.session || (message === undefined && this.sessionsEnabled)) {
      return new BrokerError(Condition.sessionLockLost, `The session lock has expired on the MessageSession. Accept a new MessageSession.`);
    }
    return new BrokerError(
      Condition.messageLockLost,
      `The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue, or was received by a different receiver instance.`,
    );
  }

  private lockedMessage(token: string): StoredMessage {
    const message = this.locked.get(token);
    const lock = message?.lock;
    if (!message || !lock) throw this.lockLost(undefined);
    const valid = lock.session
      ? lock.session.owner !== undefined && (lock.holder === undefined || lock.session.owner === lock.holder) && lock.session.lockedUntil > this.now()
      : lock.until > this.now();
    if (!valid) {
      if (!lock.session) this.releaseLock(message);
      throw this.lockLost(message);
    }
    return message;
  }

  hasLock(token: string): boolean {
    return this.locked.has(token);
  }

  settle(token: string, disposition: Disposition): void {
    const message = this.lockedMessage(token);
    this.locked.delete(token);
    message.lock = undefined;
    const session = message.sessionId === undefined ? undefined : this.sessions.get(message.sessionId);
    if (session) session.updatedAt = this.now();
    switch (disposition.kind) {
      case 'complete':
        this.forget(message);
        this.dropIdleSession(session);
        break;
      case 'abandon':
        applyProperties(message, disposition.propertiesToModify);
        message.deliveryCount++;
        this.requeue(message);
        break;
      case 'defer':
        applyProperties(message, disposition.propertiesToModify);
        message.deliveryCount++;
        message.state = 'deferred';
        this.deferred.set(message.sequenceNumber, message);
        break;
      case 'deadLetter':
        this.deadLetter(message, disposition.reason, disposition.description, disposition.propertiesToModify);
        break;
    }
  }

  renewLock(token: string): number {
    const message = this.lockedMessage(token);
    const lock = message.lock;
    if (!lock) throw this.lockLost(message);
    if (lock.session) return lock.session.lockedUntil;
    lock.until = this.now() + this.options.lockDurationMs;
    return lock.until;
  }

  /** A lock lapsed or its holder let go: the message counts as delivered once more and comes back. */
  private releaseLock(message: StoredMessage): void {
    if (message.lock) this.locked.delete(message.lock.token);
    message.lock = undefined;
    message.deliveryCount++;
    this.requeue(message);
  }

  private requeue(message: StoredMessage): void {
    if (this.deadLetterQueue && message.deliveryCount >= this.options.maxDeliveryCount) {
      this.deadLetter(
        message,
        'MaxDeliveryCountExceeded',
        `Message could not be consumed after ${this.options.maxDeliveryCount} delivery attempts.`,
        undefined,
      );
      return;
    }
    if (message.expiresAt <= this.now()) {
      this.expire(message);
      return;
    }
    this.activate(message);
  }

  deadLetter(message: StoredMessage, reason: string | undefined, description: string | undefined, properties: Record<string, unknown> | undefined): void {
    if (!this.deadLetterQueue) {
      throw new BrokerError(Condition.notAllowed, `Messages in a dead-letter queue cannot be dead-lettered again.`);
    }
    this.deferred.delete(message.sequenceNumber);
    this.forget(message);
    const applicationProperties: Record<string, unknown> = { ...(message.amqp.application_properties ?? {}), ...(properties ?? {}) };
    if (reason !== undefined) applicationProperties['DeadLetterReason'] = reason;
    if (description !== undefined) applicationProperties['DeadLetterErrorDescription'] = description;
    if (this.forwardDeadLetteredMessages) {
      const annotations = { ...(message.amqp.message_annotations ?? {}), 'x-opt-deadletter-source': this.path };
      this.forwardDeadLetteredMessages({ ...message.amqp, application_properties: applicationProperties, message_annotations: annotations });
      return;
    }
    this.deadLetterQueue.enqueue({
      ...message,
      // Dead-lettered messages no longer expire; they keep their delivery count.
      expiresAt: Infinity,
      state: 'active',
      scheduledAt: undefined,
      lock: undefined,
      amqp: { ...message.amqp, application_properties: applicationProperties },
    });
  }

  private expire(message: StoredMessage): void {
    if (this.options.deadLetteringOnMessageExpiration && this.deadLetterQueue) {
      this.deadLetter(message, 'TTLExpiredException', 'The message expired and was dead lettered.', undefined);
    } else {
      this.deferred.delete(message.sequenceNumber);
      this.forget(message);
    }
  }

  // ---- deferred messages and peek ----

  receiveDeferred(sequenceNumbers: readonly number[], receiveAndDelete: boolean, sessionId: string | undefined): StoredMessage[] {
    const found: StoredMessage[] = [];
    for (const sequenceNumber of sequenceNumbers) {
      const message = this.deferred.get(sequenceNumber);
      if (!message || (sessionId !== undefined && message.sessionId !== sessionId)) {
        throw new BrokerError(
          Condition.messageNotFound,
          `Failed to lock one or more specified messages. The message ${sequenceNumber} does not exist or is not deferred.`,
        );
      }
      found.push(message);
    }
    for (const message of found) {
      this.deferred.delete(message.sequenceNumber);
      if (receiveAndDelete) {
        this.forget(message);
      } else {
        const session = message.sessionId === undefined ? undefined : this.sessions.get(message.sessionId);
        this.lock(message, undefined, session?.owner ? session : undefined);
      }
    }
    return found;
  }

  peek(fromSequenceNumber: number, count: number, sessionId: string | undefined): StoredMessage[] {
    const result: StoredMessage[] = [];
    for (const message of this.messages.values()) {
      if (message.sequenceNumber < fromSequenceNumber) continue;
      if (sessionId !== undefined && message.sessionId !== sessionId) continue;
      result.push(message);
    }
    result.sort((a, b) => a.sequenceNumber - b.sequenceNumber);
    return result.slice(0, count);
  }

  // ---- sessions ----

  private session(id: string): SessionQueue {
    let session = this.sessions.get(id);
    if (!session) {
      session = { id, queue: new SequenceQueue(), state: undefined, owner: undefined, lockedUntil: 0, updatedAt: this.now() };
      this.sessions.set(id, session);
    }
    return session;
  }

  existingSession(id: string): SessionQueue | undefined {
    return this.sessions.get(id);
  }

  /** Locks the named session for a link, or the free session whose oldest message is oldest. */
  acquireSession(sessionId: string | undefined, owner: Consumer): SessionQueue | undefined {
    let session: SessionQueue | undefined;
    if (sessionId !== undefined) {
      session = this.session(sessionId);
      if (session.owner !== undefined) {
        throw new BrokerError(
          Condition.sessionCannotBeLocked,
          `The requested session '${sessionId}' cannot be accepted. It may be locked by another receiver.`,
        );
      }
    } else {
      let oldest = Infinity;
      for (const candidate of this.sessions.values()) {
        const head = candidate.queue.peekHead();
        if (candidate.owner === undefined && head && head.sequenceNumber < oldest) {
          oldest = head.sequenceNumber;
          session = candidate;
        }
      }
      if (!session) return undefined;
    }
    session.owner = owner;
    session.lockedUntil = this.now() + this.options.lockDurationMs;
    return session;
  }

  waitForSession(waiter: SessionWaiter): () => void {
    this.sessionWaiters.push(waiter);
    return () => {
      const index = this.sessionWaiters.indexOf(waiter);
      if (index >= 0) this.sessionWaiters.splice(index, 1);
    };
  }

  private offerSessions(): void {
    while (this.sessionWaiters.length > 0) {
      const waiter = this.sessionWaiters.shift();
      if (!waiter) return;
      if (!waiter()) {
        this.sessionWaiters.unshift(waiter);
        return;
      }
    }
  }

  renewSessionLock(sessionId: string): number {
    const session = this.sessions.get(sessionId);
    if (!session || session.owner === undefined || session.lockedUntil <= this.now()) {
      throw new BrokerError(Condition.sessionLockLost, `The session lock has expired on the MessageSession '${sessionId}'.`);
    }
    session.lockedUntil = this.now() + this.options.lockDurationMs;
    return session.lockedUntil;
  }

  lockedSession(sessionId: string): SessionQueue {
    const session = this.sessions.get(sessionId);
    if (!session || session.owner === undefined || session.lockedUntil <= this.now()) {
      throw new BrokerError(Condition.sessionLockLost, `The session lock has expired on the MessageSession '${sessionId}'.`);
    }
    return session;
  }

  listSessions(): string[] {
    return [...this.sessions.values()].filter((s) => s.queue.length > 0 || s.state !== undefined || s.owner !== undefined).map((s) => s.id);
  }

  /** The owning link closed or the lock lapsed: messages it held come back, counted as delivered. */
  private releaseSession(session: SessionQueue, lost: boolean): void {
    const owner = session.owner;
    session.owner = undefined;
    session.lockedUntil = 0;
    for (const message of [...this.locked.values()]) {
      if (message.lock?.session === session) {
        this.locked.delete(message.lock.token);
        message.lock = undefined;
        message.deliveryCount++;
        this.requeue(message);
      }
    }
    if (lost && owner) owner.sessionLost();
    this.dropIdleSession(session);
    this.offerSessions();
  }

  private dropIdleSession(session: SessionQueue | undefined): void {
    if (session && session.owner === undefined && session.queue.length === 0 && session.state === undefined && !this.sessionMessageCounts.has(session.id)) {
      this.sessions.delete(session.id);
    }
  }

  // ---- time ----

  /** Moves the clock on: scheduled messages arrive, locks and sessions lapse, messages expire. */
  tick(): void {
    const now = this.now();
    for (const message of this.scheduled.values()) {
      if (message.scheduledAt !== undefined && message.scheduledAt <= now) {
        this.scheduled.delete(message.sequenceNumber);
        this.activate(message);
      }
    }
    for (const message of this.locked.values()) {
      const lock = message.lock;
      if (lock && !lock.session && lock.until <= now) this.releaseLock(message);
    }
    for (const session of this.sessions.values()) {
      if (session.owner !== undefined && session.lockedUntil <= now) this.releaseSession(session, true);
    }
    if (this.expiringCount > 0 && now - this.lastTtlSweep >= ttlSweepIntervalMs) {
      this.lastTtlSweep = now;
      for (const message of [...this.messages.values()]) {
        if (message.expiresAt > now || message.lock || message.state === 'scheduled') continue;
        if (message.state === 'active') {
          const removed = message.sessionId !== undefined && this.sessionsEnabled
            ? this.sessions.get(message.sessionId)?.queue.remove(message)
            : this.active.remove(message);
          if (!removed) continue;
        }
        this.expire(message);
      }
    }
  }
}

function applyProperties(message: StoredMessage, properties: Record<string, unknown> | undefined): void {
  if (!properties || Object.keys(properties).length === 0) return;
  message.amqp = { ...message.amqp, application_properties: { ...(message.amqp.application_properties ?? {}), ...properties } };
}
