// The broker's namespace: queues, topics and subscriptions by name, the addresses clients use for
// them, and what happens to a message sent to one (sequence numbers, TTL, duplicate detection,
// scheduling, topic fan-out through subscription rules).
import { randomUUID } from 'node:crypto';
import type { Message as AmqpMessage } from 'rhea';
import { withDefaults, type EntityDeclarations, type EntityOptions, type RuleDeclaration, type TopicDeclaration } from './config';
import { BrokerError, Condition, entityNotFound } from './errors';
import { toFilterable, type StoredMessage } from './messages';
import { compileRule, defaultRule, type Rule } from './rules';
import { MessageStore } from './store';

const deadLetterSuffix = '/$deadletterqueue';
/** Service Bus stops auto-forwarding chains after four hops. */
const maxForwardingHops = 4;

/** Where messages sent to an address go: a queue's store or a topic's subscriptions. */
export interface SendTarget {
  readonly kind: 'queue' | 'topic';
  readonly name: string;
  readonly options: Pick<EntityOptions, 'requiresDuplicateDetection' | 'duplicateDetectionWindowMs' | 'defaultMessageTimeToLiveMs'>;
}

class DuplicateDetector {
  private readonly seen = new Map<string, number>();

  /** True when the id was seen within the window; otherwise records it. */
  isDuplicate(messageId: string, windowMs: number, now: number): boolean {
    const until = this.seen.get(messageId);
    if (until !== undefined && until > now) return true;
    this.seen.set(messageId, now + windowMs);
    return false;
  }

  prune(now: number): void {
    for (const [id, until] of this.seen) if (until <= now) this.seen.delete(id);
  }
}

export class QueueEntity implements SendTarget {
  readonly kind = 'queue';
  readonly store: MessageStore;
  readonly dedupe = new DuplicateDetector();
  nextSequenceNumber = 1;
  constructor(
    readonly name: string,
    readonly options: EntityOptions,
    now: () => number,
  ) {
    const deadLetter = new MessageStore(`${name}/$DeadLetterQueue`, { ...options, requiresSession: false, maxDeliveryCount: Infinity }, undefined, now);
    this.store = new MessageStore(name, options, deadLetter, now);
  }
}

export class SubscriptionEntity {
  readonly store: MessageStore;
  readonly rules = new Map<string, Rule>();
  constructor(
    readonly topicName: string,
    readonly name: string,
    readonly options: EntityOptions,
    rules: readonly RuleDeclaration[] | undefined,
    now: () => number,
  ) {
    const path = `${topicName}/Subscriptions/${name}`;
    const deadLetter = new MessageStore(`${path}/$DeadLetterQueue`, { ...options, requiresSession: false, maxDeliveryCount: Infinity }, undefined, now);
    this.store = new MessageStore(path, options, deadLetter, now);
    if (rules === undefined) this.rules.set('$default', defaultRule());
    else for (const rule of rules) this.rules.set(rule.name.toLowerCase(), compileRule(rule));
  }
}

export class TopicEntity implements SendTarget {
  readonly kind = 'topic';
  readonly subscriptions = new Map<string, SubscriptionEntity>();
  readonly dedupe = new DuplicateDetector();
  /** Scheduled messages wait at the topic and fan out when due, so one cancel removes every copy. */
  readonly scheduled = new Map<number, StoredMessage>();
  nextSequenceNumber = 1;
  constructor(
    readonly name: string,
    readonly options: SendTarget['options'],
  ) {}
}

export interface NamespaceLogger {
  warn(message: string): void;
}

export class ServiceBusNamespace {
  private readonly queues = new Map<string, QueueEntity>();
  private readonly topics = new Map<string, TopicEntity>();
  private lastPrune = 0;

  constructor(
    /** The host part clients use, for error messages ("sb://localhost/orders"). */
    readonly endpoint: string,
    private readonly log: NamespaceLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates what is missing; entities that exist keep their messages and settings. */
  declare(declarations: EntityDeclarations): void {
    for (const queue of declarations.queues ?? []) {
      const key = queue.name.toLowerCase();
      if (!this.queues.has(key) && !this.topics.has(key)) {
        const entity = new QueueEntity(queue.name, withDefaults(queue.options), this.now);
        this.forwardDeadLetters(entity.store);
        this.queues.set(key, entity);
      }
    }
    for (const topic of declarations.topics ?? []) this.declareTopic(topic);
  }

  private declareTopic(declaration: TopicDeclaration): void {
    const key = declaration.name.toLowerCase();
    if (this.queues.has(key)) throw new BrokerError(Condition.notAllowed, `'${declaration.name}' is already a queue`);
    let topic = this.topics.get(key);
    if (!topic) {
      const defaults = withDefaults(declaration.options);
      topic = new TopicEntity(declaration.name, {
        requiresDuplicateDetection: defaults.requiresDuplicateDetection,
        duplicateDetectionWindowMs: defaults.duplicateDetectionWindowMs,
        defaultMessageTimeToLiveMs: defaults.defaultMessageTimeToLiveMs,
      });
      this.topics.set(key, topic);
    }
    for (const subscription of declaration.subscriptions ?? []) {
      const subKey = subscription.name.toLowerCase();
      if (!topic.subscriptions.has(subKey)) {
        const entity = new SubscriptionEntity(topic.name, subscription.name, withDefaults(subscription.options), subscription.rules, this.now);
        this.forwardDeadLetters(entity.store);
        topic.subscriptions.set(subKey, entity);
      }
    }
  }

  /** ForwardDeadLetteredMessagesTo: resolved when a message is dead-lettered, so the target may be declared later. */
  private forwardDeadLetters(store: MessageStore): void {
    const target = store.options.forwardDeadLetteredMessagesTo;
    if (target === undefined) return;
    store.forwardDeadLetteredMessages = (amqp) => {
      this.send(this.resolveSendTarget(target), amqp, undefined, 1);
    };
  }

  describe(): { queues: string[]; topics: Array<{ name: string; subscriptions: string[] }> } {
    return {
      queues: [...this.queues.values()].map((q) => q.name),
      topics: [...this.topics.values()].map((t) => ({ name: t.name, subscriptions: [...t.subscriptions.values()].map((s) => s.name) })),
    };
  }

  private notFound(address: string): BrokerError {
    return entityNotFound(`${this.endpoint}/${address}`);
  }

  /** The queue, subscription or dead-letter queue a receiver or $management link addresses. */
  resolveStore(address: string): MessageStore {
    const normalized = address.replace(/^\/+|\/+$/g, '');
    let path = normalized.toLowerCase();
    let deadLetter = false;
    if (path.endsWith(deadLetterSuffix)) {
      deadLetter = true;
      path = path.slice(0, -deadLetterSuffix.length);
    }
    const parts = path.split('/');
    let store: MessageStore | undefined;
    if (parts.length === 1) {
      store = this.queues.get(parts[0] ?? '')?.store;
    } else if (parts.length === 3 && parts[1] === 'subscriptions') {
      store = this.topics.get(parts[0] ?? '')?.subscriptions.get(parts[2] ?? '')?.store;
    }
    if (!store) throw this.notFound(normalized);
    if (deadLetter) {
      if (!store.deadLetterQueue) throw this.notFound(normalized);
      return store.deadLetterQueue;
    }
    return store;
  }

  resolveSendTarget(address: string): QueueEntity | TopicEntity {
    const key = address.replace(/^\/+|\/+$/g, '').toLowerCase();
    const target = this.queues.get(key) ?? this.topics.get(key);
    if (!target) throw this.notFound(address);
    return target;
  }

  /** True when the address (as a CBS audience path) names something that exists. */
  exists(address: string): boolean {
    const path = address.replace(/\/\$management$/i, '');
    try {
      this.resolveStore(path);
      return true;
    } catch {
      try {
        this.resolveSendTarget(path);
        return true;
      } catch {
        return false;
      }
    }
  }

  subscription(topicName: string, subscriptionName: string): SubscriptionEntity {
    const sub = this.topics.get(topicName.toLowerCase())?.subscriptions.get(subscriptionName.toLowerCase());
    if (!sub) throw this.notFound(`${topicName}/Subscriptions/${subscriptionName}`);
    return sub;
  }

  /** Accepts a message for a queue or topic. Returns its sequence number, or undefined for a dropped duplicate. */
  send(target: QueueEntity | TopicEntity, amqp: AmqpMessage, scheduledAt?: number, hops = 0): number | undefined {
    const now = this.now();
    if (hops > maxForwardingHops) {
      throw new BrokerError(Condition.notAllowed, `Message forwarding exceeded ${maxForwardingHops} hops at '${target.name}'.`);
    }
    if (amqp.message_id === undefined || amqp.message_id === null || amqp.message_id === '') {
      amqp.message_id = randomUUID().replace(/-/g, '');
    }
    const messageId = Buffer.isBuffer(amqp.message_id) ? amqp.message_id.toString('hex') : String(amqp.message_id);
    if (target.options.requiresDuplicateDetection && target.dedupe.isDuplicate(messageId, target.options.duplicateDetectionWindowMs, now)) {
      return undefined;
    }
    const scheduledAnnotation = amqp.message_annotations?.['x-opt-scheduled-enqueue-time'] as unknown;
    const scheduleTime =
      scheduledAt ?? (scheduledAnnotation instanceof Date ? scheduledAnnotation.getTime() : typeof scheduledAnnotation === 'number' ? scheduledAnnotation : undefined);
    const headerTtl = typeof amqp.ttl === 'number' && amqp.ttl > 0 ? amqp.ttl : Infinity;
    const ttl = Math.min(headerTtl, target.options.defaultMessageTimeToLiveMs);
    const enqueuedAt = scheduleTime !== undefined && scheduleTime > now ? scheduleTime : now;
    const message: StoredMessage = {
      sequenceNumber: target.nextSequenceNumber++,
      messageId,
      sessionId: amqp.group_id === undefined || amqp.group_id === null ? undefined : String(amqp.group_id),
      enqueuedAt,
      expiresAt: enqueuedAt + ttl,
      deliveryCount: 0,
      state: 'active',
      scheduledAt: scheduleTime,
      amqp,
      lock: undefined,
    };
    if (target.kind === 'queue' && target.options.forwardTo !== undefined) {
      return this.send(this.resolveSendTarget(target.options.forwardTo), amqp, scheduleTime, hops + 1);
    }
    if (target.kind === 'queue') {
      target.store.enqueue(message);
    } else if (scheduleTime !== undefined && scheduleTime > now) {
      message.state = 'scheduled';
      target.scheduled.set(message.sequenceNumber, message);
    } else {
      this.fanOut(target, message, hops);
    }
    return message.sequenceNumber;
  }

  private fanOut(topic: TopicEntity, message: StoredMessage, hops = 0): void {
    const filterable = toFilterable(message.amqp);
    for (const sub of topic.subscriptions.values()) {
      let matched = false;
      for (const rule of sub.rules.values()) {
        if (rule.matches(filterable)) {
          matched = true;
          break;
        }
      }
      if (!matched) continue;
      if (sub.options.forwardTo !== undefined) {
        try {
          this.send(this.resolveSendTarget(sub.options.forwardTo), { ...message.amqp }, undefined, hops + 1);
        } catch (err) {
          this.log.warn(`forwarding from ${sub.store.path}: ${(err as Error).message}`);
        }
        continue;
      }
      const subscriptionTtl = message.enqueuedAt + sub.options.defaultMessageTimeToLiveMs;
      if (sub.store.sessionsEnabled && message.sessionId === undefined) {
        this.log.warn(`message ${message.messageId} has no sessionId; session subscription ${sub.store.path} skipped it`);
        continue;
      }
      sub.store.enqueue({ ...message, expiresAt: Math.min(message.expiresAt, subscriptionTtl), state: 'active', lock: undefined });
    }
  }

  cancelScheduled(target: QueueEntity | TopicEntity, sequenceNumber: number): void {
    if (target.kind === 'queue') target.store.cancelScheduled(sequenceNumber);
    else target.scheduled.delete(sequenceNumber);
  }

  /** Peek on a topic shows its scheduled messages (as the service does). */
  peekTopic(topic: TopicEntity, fromSequenceNumber: number, count: number): StoredMessage[] {
    return [...topic.scheduled.values()]
      .filter((m) => m.sequenceNumber >= fromSequenceNumber)
      .sort((a, b) => a.sequenceNumber - b.sequenceNumber)
      .slice(0, count);
  }

  addRule(topicName: string, subscriptionName: string, rule: RuleDeclaration): void {
    const sub = this.subscription(topicName, subscriptionName);
    const key = rule.name.toLowerCase();
    if (sub.rules.has(key)) throw new BrokerError(Condition.argumentError, `The rule '${rule.name}' already exists.`);
    sub.rules.set(key, compileRule(rule));
  }

  removeRule(topicName: string, subscriptionName: string, ruleName: string): void {
    const sub = this.subscription(topicName, subscriptionName);
    if (!sub.rules.delete(ruleName.toLowerCase())) {
      throw new BrokerError(Condition.messageNotFound, `The rule '${ruleName}' could not be found.`);
    }
  }

  *stores(): Generator<MessageStore> {
    for (const queue of this.queues.values()) {
      yield queue.store;
      if (queue.store.deadLetterQueue) yield queue.store.deadLetterQueue;
    }
    for (const topic of this.topics.values()) {
      for (const sub of topic.subscriptions.values()) {
        yield sub.store;
        if (sub.store.deadLetterQueue) yield sub.store.deadLetterQueue;
      }
    }
  }

  tick(): void {
    const now = this.now();
    for (const topic of this.topics.values()) {
      for (const message of topic.scheduled.values()) {
        if (message.scheduledAt !== undefined && message.scheduledAt <= now) {
          topic.scheduled.delete(message.sequenceNumber);
          this.fanOut(topic, { ...message, scheduledAt: message.scheduledAt });
        }
      }
    }
    for (const store of this.stores()) store.tick();
    if (now - this.lastPrune > 1000) {
      this.lastPrune = now;
      for (const queue of this.queues.values()) queue.dedupe.prune(now);
      for (const topic of this.topics.values()) topic.dedupe.prune(now);
    }
  }
}
