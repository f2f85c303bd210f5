// The AMQP 1.0 side of the emulator (on rhea): connections from the unchanged @azure/service-bus
// SDK, the $cbs token handshake, sender and receiver links on entities, settlement, drain, and
// $management request/response links.
import type { AddressInfo, Server } from 'node:net';
import {
  create_container,
  type Connection,
  type Container,
  type Delivery,
  type EventContext,
  type Message as AmqpMessage,
  type Receiver,
  type Sender,
} from 'rhea';
import { BrokerError, Condition, ensureBrokerError } from './errors';
import { handleManagementRequest } from './management';
import { toDeliveredAmqp, type Consumer, type SessionQueue, type StoredMessage } from './messages';
import type { QueueEntity, ServiceBusNamespace, TopicEntity } from './namespace';
import type { Disposition, MessageStore } from './store';
import {
  acceptedOutcome,
  batchMessageFormat,
  compactRecord,
  encodedSize,
  lockTokenToDeliveryTag,
  modifiedOutcome,
  rejectedOutcome,
  toTicks,
  unpackBatch,
} from './wire';

export interface BrokerLog {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** Service Bus Standard's limit; the SDK sizes batches by the max-message-size we attach with. */
export const maxMessageSizeBytes = 256 * 1024;

const sessionFilterName = 'com.microsoft:session-filter';
const serverTimeoutName = 'com.microsoft:timeout';
const receiverCreditWindow = 500;

/** rhea internals the broker needs that its typings leave out. */
interface LinkInternals {
  credit: number;
  local: { attach: { snd_settle_mode?: number; rcv_settle_mode?: number; properties?: Record<string, unknown>; max_message_size?: number } };
  state: { local_open: boolean; open_requests: number };
  session: { outgoing: { next_pending_delivery: number; deliveries: { available(): number } } };
}

function internals(link: Sender | Receiver): LinkInternals {
  return link as unknown as LinkInternals;
}

function addressOf(terminus: { address?: string } | undefined | null): string {
  return terminus?.address ?? '';
}

function isManagementAddress(address: string): boolean {
  return address === '$management' || address.toLowerCase().endsWith('/$management');
}

function entityOfManagementAddress(address: string): string {
  return address.replace(/\/?\$management$/i, '');
}

/** A client receiver link reading from a queue, subscription or dead-letter queue. */
class LinkConsumer implements Consumer {
  session: SessionQueue | undefined;
  readonly receiveAndDelete: boolean;
  /** Delivery ids handed to rhea that it has not transferred yet: they already used credit. */
  private readonly untransferred: number[] = [];
  cancelWait: (() => void) | undefined;

  constructor(
    readonly id: string,
    readonly link: Sender,
    readonly store: MessageStore,
    private readonly deliveries: WeakMap<Delivery, { store: MessageStore; token: string }>,
  ) {
    this.receiveAndDelete = link.snd_settle_mode === 1;
  }

  credit(): number {
    if (!this.link.is_open()) return 0;
    const outgoing = internals(this.link).session.outgoing;
    while (this.untransferred.length > 0 && (this.untransferred[0] ?? 0) < outgoing.next_pending_delivery) this.untransferred.shift();
    // rhea keeps unsettled deliveries in a fixed ring per session; a client sitting on that many
    // locked messages gets no more until it settles some, instead of overflowing the ring.
    return Math.min(internals(this.link).credit - this.untransferred.length, outgoing.deliveries.available() - 1);
  }

  deliver(message: StoredMessage): void {
    const lock = message.lock;
    const amqp = toDeliveredAmqp(message, lock?.session ? lock.session.lockedUntil : lock?.until);
    const tag = lock ? lockTokenToDeliveryTag(lock.token) : Buffer.from(String(message.sequenceNumber));
    const delivery = this.link.send(amqp, tag);
    this.untransferred.push(delivery.id);
    if (lock) this.deliveries.set(delivery, { store: this.store, token: lock.token });
  }

  sessionLost(): void {
    this.link.close({ condition: Condition.sessionLockLost, description: `The session lock has expired on the MessageSession '${this.session?.id ?? ''}'.` });
  }
}

/**
 * In receive mode "second" the SDK never sends a final settled disposition after ours, so rhea
 * would keep the delivery in its ring forever; once we have settled it, it is done.
 */
function markDone(delivery: Delivery): void {
  (delivery as unknown as { remote_settled: boolean }).remote_settled = true;
}

export interface BrokerOptions {
  port: number;
  host?: string;
  namespace: ServiceBusNamespace;
  log: BrokerLog;
}

export class ServiceBusBroker {
  private readonly container: Container;
  private server: Server | undefined;
  private readonly consumersByConnection = new Map<Connection, Set<LinkConsumer>>();
  private readonly consumerByLink = new WeakMap<Sender, LinkConsumer>();
  private readonly replyLinks = new WeakMap<Connection, Map<string, Sender>>();
  private readonly deliveries = new WeakMap<Delivery, { store: MessageStore; token: string }>();
  private readonly sendTargets = new WeakMap<Receiver, QueueEntity | TopicEntity>();
  private readonly connections = new Set<Connection>();
  private ticker: NodeJS.Timeout | undefined;
  private linkCounter = 0;

  constructor(private readonly options: BrokerOptions) {
    this.container = create_container({
      id: 'devhost-servicebus',
      // Settlement is ours to decide: no automatic accept of sends, no auto-flow, modified kept apart from released.
      receiver_options: { autoaccept: false, credit_window: 0 },
      sender_options: { treat_modified_as_released: false },
    } as Parameters<typeof create_container>[0]);
    this.wire();
  }

  get namespace(): ServiceBusNamespace {
    return this.options.namespace;
  }

  async start(): Promise<number> {
    const server = this.container.listen({
      port: this.options.port,
      host: this.options.host ?? '127.0.0.1',
      // Unsettled peek-lock deliveries stay in rhea's per-session ring until settled (default 2048).
      session_buffer_size: 16384,
    } as Parameters<Container['listen']>[0]) as unknown as Server;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    this.ticker = setInterval(() => {
      try {
        this.options.namespace.tick();
      } catch (err) {
        this.options.log.warn(`servicebus: timer sweep failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }, 50);
    this.ticker.unref();
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    for (const connection of this.connections) {
      try {
        connection.close();
      } catch {
        // already gone
      }
    }
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Sockets of clients that never said goodbye would keep the server open.
      setTimeout(() => {
        for (const connection of this.connections) (connection as unknown as { socket?: { destroy(): void } }).socket?.destroy();
        resolve();
      }, 200).unref();
    });
  }

  private wire(): void {
    // A throw inside a rhea event handler would escape into the socket's data handler and take the
    // whole devhost down; one bad frame or bug should cost one operation, not the process.
    const c = {
      on: (event: string, handler: (ctx: EventContext) => void): void => {
        this.container.on(event, (ctx: EventContext) => {
          try {
            handler(ctx);
          } catch (err) {
            this.options.log.warn(`servicebus: ${event} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          }
        });
      },
    };
    c.on('connection_open', (ctx: EventContext) => {
      this.connections.add(ctx.connection);
    });
    c.on('connection_close', (ctx: EventContext) => this.dropConnection(ctx.connection));
    c.on('disconnected', (ctx: EventContext) => this.dropConnection(ctx.connection));
    c.on('connection_error', (ctx: EventContext) => this.options.log.debug(`servicebus: connection error ${String(ctx.connection.error)}`));
    this.container.on('protocol_error', (err: unknown) => this.options.log.warn(`servicebus: protocol error ${String(err)}`));
    this.container.on('error', (err: unknown) => this.options.log.debug(`servicebus: ${String(err)}`));
    c.on('sender_open', (ctx: EventContext) => this.onClientReceiverAttach(ctx));
    c.on('receiver_open', (ctx: EventContext) => this.onClientSenderAttach(ctx));
    c.on('message', (ctx: EventContext) => this.onMessage(ctx));
    c.on('sendable', (ctx: EventContext) => this.pumpFor(ctx.sender));
    c.on('sender_draining', (ctx: EventContext) => {
      const sender = ctx.sender;
      if (!sender) return;
      this.pumpFor(sender);
      sender.set_drained(true);
    });
    c.on('accepted', (ctx: EventContext) => this.onOutcome(ctx, { kind: 'complete' }));
    c.on('released', (ctx: EventContext) => this.onOutcome(ctx, { kind: 'abandon' }));
    c.on('modified', (ctx: EventContext) => {
      const state = (ctx.delivery?.remote_state ?? {}) as { undeliverable_here?: boolean; message_annotations?: unknown };
      const propertiesToModify = compactRecord(state.message_annotations);
      this.onOutcome(ctx, state.undeliverable_here ? { kind: 'defer', propertiesToModify } : { kind: 'abandon', propertiesToModify });
    });
    c.on('rejected', (ctx: EventContext) => {
      const error = (ctx.delivery?.remote_state as { error?: { info?: unknown } } | undefined)?.error;
      const info = compactRecord(error?.info) ?? {};
      const { DeadLetterReason: reason, DeadLetterErrorDescription: description, ...rest } = info;
      this.onOutcome(ctx, {
        kind: 'deadLetter',
        reason: reason === undefined ? undefined : String(reason),
        description: description === undefined ? undefined : String(description),
        propertiesToModify: Object.keys(rest).length > 0 ? rest : undefined,
      });
    });
    c.on('sender_close', (ctx: EventContext) => this.dropSender(ctx.sender));
    c.on('sender_error', (ctx: EventContext) => this.dropSender(ctx.sender));
    c.on('receiver_close', () => undefined);
    c.on('receiver_error', () => undefined);
    c.on('session_close', () => undefined);
    c.on('session_error', () => undefined);
  }

  private dropConnection(connection: Connection): void {
    this.connections.delete(connection);
    const consumers = this.consumersByConnection.get(connection);
    if (consumers) for (const consumer of consumers) this.detachConsumer(consumer);
    this.consumersByConnection.delete(connection);
  }

  private dropSender(sender: Sender | undefined): void {
    if (!sender) return;
    const consumer = this.consumerByLink.get(sender);
    if (!consumer) return;
    this.detachConsumer(consumer);
    this.consumersByConnection.get(sender.connection)?.delete(consumer);
  }

  private detachConsumer(consumer: LinkConsumer): void {
    consumer.cancelWait?.();
    consumer.cancelWait = undefined;
    consumer.store.removeConsumer(consumer);
  }

  private pumpFor(sender: Sender | undefined): void {
    if (!sender) return;
    this.consumerByLink.get(sender)?.store.pump();
  }

  // ---- links the client receives on ----

  private onClientReceiverAttach(ctx: EventContext): void {
    const link = ctx.sender;
    if (!link) return;
    const source = link.source as { address?: string; filter?: Record<string, unknown> } | undefined;
    const address = addressOf(source);
    const local = internals(link).local.attach;
    local.snd_settle_mode = link.snd_settle_mode;
    local.rcv_settle_mode = link.rcv_settle_mode;
    link.set_target({ address: addressOf(link.target) });

    if (address === '$cbs' || isManagementAddress(address)) {
      link.set_source({ address });
      this.registerReplyLink(link);
      return;
    }

    let store: MessageStore;
    try {
      store = this.options.namespace.resolveStore(address);
    } catch (err) {
      link.close(ensureBrokerError(err).toAmqp());
      return;
    }
    const consumer = new LinkConsumer(`${link.name}#${++this.linkCounter}`, link, store, this.deliveries);
    const filter = source?.filter;
    const wantsSession = filter !== undefined && filter !== null && Object.prototype.hasOwnProperty.call(filter, sessionFilterName);

    if (store.sessionsEnabled !== wantsSession) {
      const description = store.sessionsEnabled
        ? `It is not possible for an entity that requires sessions to create a non-sessionful message receiver. Entity: ${store.path}`
        : `It is not possible for an entity that does not require sessions to create a sessionful message receiver. Entity: ${store.path}`;
      link.close({ condition: Condition.notAllowed, description });
      return;
    }
    this.trackConsumer(link, consumer);
    if (!wantsSession) {
      link.set_source({ address });
      store.addConsumer(consumer);
      return;
    }

    const requested = filter?.[sessionFilterName];
    const sessionId = typeof requested === 'string' ? requested : undefined;
    const complete = (session: SessionQueue): void => {
      consumer.session = session;
      link.set_source({ address, filter: { [sessionFilterName]: session.id } } as Parameters<Sender['set_source']>[0]);
      local.properties = { ...(local.properties ?? {}), 'com.microsoft:locked-until-utc': toTicks(session.lockedUntil) };
      store.addConsumer(consumer);
    };
    try {
      const session = store.acquireSession(sessionId, consumer);
      if (session) {
        complete(session);
        return;
      }
    } catch (err) {
      this.failAttach(link, consumer, ensureBrokerError(err));
      return;
    }

    // acceptNextSession with nothing free: hold the attach until a session frees up or the client's timeout.
    this.suspendAttach(link);
    const timeoutMs = Number((link.properties as Record<string, unknown> | undefined)?.[serverTimeoutName] ?? 60_000);
    const stopWaiting = store.waitForSession(() => {
      if (!link.is_remote_open()) return false;
      const session = store.acquireSession(undefined, consumer);
      if (!session) return false;
      clearTimeout(timer);
      consumer.cancelWait = undefined;
      complete(session);
      link.open();
      return true;
    });
    const timer = setTimeout(() => {
      stopWaiting();
      consumer.cancelWait = undefined;
      if (link.is_closed()) return;
      link.open();
      this.failAttach(link, consumer, new BrokerError(Condition.timeout, `No unlocked session became available on '${store.path}' within ${timeoutMs} ms.`));
    }, Math.max(0, timeoutMs - 250));
    timer.unref();
    consumer.cancelWait = () => {
      clearTimeout(timer);
      stopWaiting();
    };
  }

  private trackConsumer(link: Sender, consumer: LinkConsumer): void {
    this.consumerByLink.set(link, consumer);
    let set = this.consumersByConnection.get(link.connection);
    if (!set) {
      set = new Set();
      this.consumersByConnection.set(link.connection, set);
    }
    set.add(consumer);
  }

  private failAttach(link: Sender, consumer: LinkConsumer, error: BrokerError): void {
    this.consumerByLink.delete(link);
    this.consumersByConnection.get(link.connection)?.delete(consumer);
    link.close(error.toAmqp());
  }

  /** rhea answers an attach at once; holding it back means undoing its local open until we decide. */
  private suspendAttach(link: Sender): void {
    const state = internals(link).state;
    state.local_open = false;
    state.open_requests = 0;
  }

  private registerReplyLink(link: Sender): void {
    let links = this.replyLinks.get(link.connection);
    if (!links) {
      links = new Map();
      this.replyLinks.set(link.connection, links);
    }
    links.set(link.name, link);
    const target = addressOf(link.target);
    if (target) links.set(target, link);
  }

  private reply(connection: Connection, request: AmqpMessage, response: AmqpMessage): void {
    const to = typeof request.reply_to === 'string' ? request.reply_to : '';
    const link = this.replyLinks.get(connection)?.get(to);
    if (!link) {
      this.options.log.warn(`servicebus: no reply link '${to}' for a request`);
      return;
    }
    link.send({ ...response, to, correlation_id: request.message_id });
  }

  // ---- links the client sends on ----

  private onClientSenderAttach(ctx: EventContext): void {
    const link = ctx.receiver;
    if (!link) return;
    const address = addressOf(link.target);
    link.set_target({ address });
    link.set_source({ address: addressOf(link.source) });
    if (address === '$cbs' || isManagementAddress(address)) {
      link.add_credit(receiverCreditWindow);
      return;
    }
    try {
      const target = this.options.namespace.resolveSendTarget(address);
      this.sendTargets.set(link, target);
      internals(link).local.attach.max_message_size = maxMessageSizeBytes;
      link.add_credit(receiverCreditWindow);
    } catch (err) {
      link.close(ensureBrokerError(err).toAmqp());
    }
  }

  private onMessage(ctx: EventContext): void {
    const link = ctx.receiver;
    const delivery = ctx.delivery;
    if (!link || !delivery) return;
    const credit = internals(link).credit;
    if (credit < receiverCreditWindow / 2) link.add_credit(receiverCreditWindow - credit);
    const address = addressOf(link.target);
    if (address === '$cbs') {
      delivery.accept();
      this.onCbs(ctx.connection, ctx.message as AmqpMessage);
      return;
    }
    if (isManagementAddress(address)) {
      delivery.accept();
      this.onManagement(ctx.connection, entityOfManagementAddress(address), ctx.message as AmqpMessage);
      return;
    }
    const target = this.sendTargets.get(link);
    if (!target) {
      delivery.reject({ condition: Condition.notFound, description: `no entity behind '${address}'` });
      return;
    }
    try {
      const format = (ctx as EventContext & { format?: number }).format ?? 0;
      let messages: AmqpMessage[];
      if (format === batchMessageFormat) {
        const payload = ctx.message as unknown as Buffer;
        this.checkSize(payload.length, delivery.id);
        messages = unpackBatch(payload);
      } else {
        const message = ctx.message as AmqpMessage;
        this.checkSize(encodedSize(message), delivery.id);
        messages = [message];
      }
      if (target.kind === 'queue' && target.store.sessionsEnabled && messages.some((m) => m.group_id === undefined || m.group_id === null)) {
        throw new BrokerError(
          Condition.notAllowed,
          `The SessionId was not set on a message, and it cannot be sent to the entity '${target.name}'. Entities that have session support enabled can only receive messages that have the SessionId set to a valid value.`,
        );
      }
      for (const message of messages) this.options.namespace.send(target, message);
      delivery.accept();
    } catch (err) {
      delivery.reject(ensureBrokerError(err).toAmqp());
    }
  }

  private checkSize(size: number, deliveryId: number): void {
    if (size > maxMessageSizeBytes) {
      throw new BrokerError(
        Condition.messageSizeExceeded,
        `The received message (delivery-id:${deliveryId}, size:${size} bytes) exceeds the limit (${maxMessageSizeBytes} bytes) currently allowed on the link.`,
      );
    }
  }

  private onCbs(connection: Connection, request: AmqpMessage): void {
    const audience = String(request.application_properties?.['name'] ?? '');
    const path = audience.replace(/^[a-z]+:\/\/[^/]+\/?/i, '');
    if (path !== '' && !this.options.namespace.exists(path)) {
      this.reply(connection, request, {
        body: undefined,
        application_properties: {
          'status-code': 404,
          'status-description': `The messaging entity '${this.options.namespace.endpoint}/${path}' could not be found. To know more visit https://aka.ms/sbResourceMgrExceptions.`,
        },
      });
      return;
    }
    this.reply(connection, request, { body: undefined, application_properties: { 'status-code': 202, 'status-description': 'Accepted' } });
  }

  private onManagement(connection: Connection, entityPath: string, request: AmqpMessage): void {
    try {
      const response = handleManagementRequest({ namespace: this.options.namespace, entityPath }, request);
      this.reply(connection, request, {
        body: response.body,
        application_properties: { statusCode: response.statusCode, statusDescription: response.statusCode === 204 ? 'No Content' : 'OK' },
      });
    } catch (err) {
      const error = ensureBrokerError(err);
      if (error.condition === Condition.internalError) this.options.log.warn(`servicebus: $management ${entityPath}: ${error.message}`);
      this.reply(connection, request, {
        body: undefined,
        application_properties: { statusCode: error.statusCode, statusDescription: error.message, errorCondition: error.condition },
      });
    }
  }

  // ---- settlement of what we delivered ----

  private onOutcome(ctx: EventContext, disposition: Disposition): void {
    const delivery = ctx.delivery;
    if (!delivery || delivery.settled) return;
    const entry = this.deliveries.get(delivery);
    if (!entry) {
      delivery.update(true, acceptedOutcome());
      markDone(delivery);
      return;
    }
    this.deliveries.delete(delivery);
    try {
      entry.store.settle(entry.token, disposition);
      const outcome =
        disposition.kind === 'complete'
          ? acceptedOutcome()
          : disposition.kind === 'deadLetter'
            ? rejectedOutcome()
            : modifiedOutcome(disposition.kind === 'defer');
      delivery.update(true, outcome);
    } catch (err) {
      delivery.update(true, rejectedOutcome(ensureBrokerError(err).toAmqp()));
    }
    markDone(delivery);
  }
}
