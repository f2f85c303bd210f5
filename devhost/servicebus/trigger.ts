// Service Bus triggers and output bindings for devhost, driven through the real @azure/service-bus
// SDK the way the Functions extension drives Azure.Messaging.ServiceBus: peek-lock, complete when the
// function succeeds, abandon when it throws (so poison messages reach the dead-letter queue after
// maxDeliveryCount), lock renewal while it runs, sessions, batches, and host.json settings.
import { randomUUID } from 'node:crypto';
import {
  isServiceBusError,
  ServiceBusClient,
  type ServiceBusMessage,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
  type ServiceBusSessionReceiver,
} from '@azure/service-bus';
import { resolveAppSettingReferences } from '../host/appSettingReference';
import type { RpcBindingInfo, RpcTypedData } from '../host/coreTypes';
import type { Host, HostExtension, RegisteredFunction } from '../host/extension';
import { parseTimeSpan } from '../host/settings';

/** host.json `extensions.serviceBus`, with the extension's defaults. */
export interface ServiceBusHostSettings {
  prefetchCount: number;
  autoCompleteMessages: boolean;
  maxAutoLockRenewalDurationMs: number;
  maxConcurrentCalls: number;
  maxConcurrentSessions: number;
  maxMessageBatchSize: number;
  sessionIdleTimeoutMs: number;
}

export function readServiceBusHostSettings(section: Record<string, unknown> | undefined): ServiceBusHostSettings {
  const s = section ?? {};
  // Older host.json files nest these under messageHandlerOptions / sessionHandlerOptions.
  const handler = (s['messageHandlerOptions'] ?? {}) as Record<string, unknown>;
  const sessionHandler = (s['sessionHandlerOptions'] ?? {}) as Record<string, unknown>;
  const num = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
  const bool = (value: unknown, fallback: boolean): boolean => (typeof value === 'boolean' ? value : fallback);
  const span = (value: unknown, fallback: number): number => (typeof value === 'string' ? (parseTimeSpan(value) ?? fallback) : fallback);
  return {
    prefetchCount: num(s['prefetchCount'], 0),
    autoCompleteMessages: bool(s['autoCompleteMessages'] ?? handler['autoComplete'], true),
    maxAutoLockRenewalDurationMs: span(s['maxAutoLockRenewalDuration'] ?? handler['maxAutoRenewDuration'], 5 * 60_000),
    maxConcurrentCalls: num(s['maxConcurrentCalls'] ?? handler['maxConcurrentCalls'], 16),
    maxConcurrentSessions: num(s['maxConcurrentSessions'] ?? sessionHandler['maxConcurrentSessions'], 8),
    maxMessageBatchSize: num(s['maxMessageBatchSize'], 1000),
    sessionIdleTimeoutMs: span(s['sessionIdleTimeout'] ?? sessionHandler['messageWaitTimeout'], 1000),
  };
}

/** How long stop() waits for running functions before it lets go (their messages come back when their locks lapse). */
const stopGraceMs = 10_000;

export class ServiceBusConnectionError extends Error {
  override name = 'ServiceBusConnectionError';
}

const loopbackHosts = /^(localhost|127\.0\.0\.1|\[?::1\]?)(:\d+)?$/i;

/**
 * Resolves a binding's `connection` like the host: a connection string in the setting itself, or
 * `<name>__fullyQualifiedNamespace` for identity-based connections (the emulator when it is local).
 */
export function resolveConnection(name: string | undefined, env: NodeJS.ProcessEnv): { connectionString: string } | { fullyQualifiedNamespace: string } {
  const setting = name && name.length > 0 ? name : 'AzureWebJobsServiceBus';
  const value = env[setting] ?? env[`ConnectionStrings:${setting}`];
  if (value && value.includes('Endpoint=')) return { connectionString: value };
  const namespace = env[`${setting}__fullyQualifiedNamespace`] ?? (value && !value.includes('=') ? value : undefined);
  if (namespace) {
    const host = namespace.replace(/^sb:\/\//, '').replace(/\/+$/, '');
    if (loopbackHosts.test(host)) {
      return {
        connectionString: `Endpoint=sb://${host};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`,
      };
    }
    return { fullyQualifiedNamespace: host };
  }
  throw new ServiceBusConnectionError(
    `Service Bus connection "${setting}" is not configured: set ${setting} to a connection string or ${setting}__fullyQualifiedNamespace.`,
  );
}

interface EntityBinding {
  readonly connection: string | undefined;
  readonly queueName: string | undefined;
  readonly topicName: string | undefined;
  readonly subscriptionName: string | undefined;
  readonly isSessionsEnabled: boolean;
  readonly many: boolean;
  readonly autoCompleteMessages: boolean | undefined;
}

function readBinding(binding: RpcBindingInfo, env: NodeJS.ProcessEnv): EntityBinding {
  const str = (key: string): string | undefined => {
    const value = binding[key];
    return typeof value === 'string' && value.length > 0 ? resolveAppSettingReferences(value, env) : undefined;
  };
  return {
    connection: typeof binding['connection'] === 'string' ? binding['connection'] : undefined,
    queueName: str('queueName'),
    topicName: str('topicName'),
    subscriptionName: str('subscriptionName'),
    isSessionsEnabled: binding['isSessionsEnabled'] === true,
    many: binding['cardinality'] === 'many',
    autoCompleteMessages: typeof binding['autoCompleteMessages'] === 'boolean' ? binding['autoCompleteMessages'] : undefined,
  };
}

function entityLabel(b: EntityBinding): string {
  return b.queueName !== undefined ? `queue '${b.queueName}'` : `topic '${b.topicName ?? ''}' subscription '${b.subscriptionName ?? ''}'`;
}

/** The trigger data for one message, as the host passes it: JSON, text or bytes. */
export function toTriggerData(body: unknown): RpcTypedData {
  if (Buffer.isBuffer(body)) return { bytes: body };
  if (body instanceof Uint8Array) return { bytes: Buffer.from(body) };
  if (typeof body === 'string') return { string: body };
  return { json: JSON.stringify(body ?? null) };
}

function bodyText(body: unknown): string {
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return typeof body === 'string' ? body : JSON.stringify(body ?? null);
}

/** A batch (cardinality many): strings (each JSON-parsed by the library when it parses) or bytes. */
export function toBatchTriggerData(bodies: readonly unknown[]): RpcTypedData {
  if (bodies.length > 0 && bodies.every((b) => Buffer.isBuffer(b) || b instanceof Uint8Array)) {
    return { collectionBytes: { bytes: bodies.map((b) => Buffer.from(b as Uint8Array)) } };
  }
  return { collectionString: { string: bodies.map(bodyText) } };
}

function jsonData(value: unknown): RpcTypedData {
  return { json: JSON.stringify(value ?? null) };
}

/** The .NET extension's binding data for a message (DeliveryCount is 1-based there, 0-based on the wire). */
function metadataFields(message: ServiceBusReceivedMessage): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    MessageId: message.messageId === undefined ? undefined : String(message.messageId),
    DeliveryCount: (message.deliveryCount ?? 0) + 1,
    SequenceNumber: message.sequenceNumber?.toNumber(),
    EnqueuedTimeUtc: message.enqueuedTimeUtc?.toISOString(),
    ExpiresAtUtc: message.expiresAtUtc?.toISOString(),
    LockedUntil: message.lockedUntilUtc?.toISOString(),
    LockToken: message.lockToken,
    SessionId: message.sessionId,
    ContentType: message.contentType,
    CorrelationId: message.correlationId === undefined ? undefined : String(message.correlationId),
    Subject: message.subject,
    Label: message.subject,
    To: message.to,
    ReplyTo: message.replyTo,
    ReplyToSessionId: message.replyToSessionId,
    DeadLetterSource: message.deadLetterSource,
    DeadLetterReason: message.deadLetterReason,
    DeadLetterErrorDescription: message.deadLetterErrorDescription,
    ApplicationProperties: message.applicationProperties ?? {},
    UserProperties: message.applicationProperties ?? {},
  };
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key];
  return fields;
}

function toMetadataValue(value: unknown): RpcTypedData {
  if (typeof value === 'number') return { int: value };
  if (typeof value === 'string') return { string: value };
  return jsonData(value);
}

export function triggerMetadataFor(fn: RegisteredFunction, messages: readonly ServiceBusReceivedMessage[], many: boolean): Record<string, RpcTypedData> {
  const metadata: Record<string, RpcTypedData> = {
    sys: jsonData({ MethodName: fn.name, UtcNow: new Date().toISOString(), RandGuid: randomUUID() }),
  };
  if (!many) {
    const [message] = messages;
    if (message) for (const [key, value] of Object.entries(metadataFields(message))) metadata[key] = toMetadataValue(value);
    return metadata;
  }
  const all = messages.map(metadataFields);
  const keys = new Set(all.flatMap((f) => Object.keys(f)));
  for (const key of keys) metadata[`${key}Array`] = jsonData(all.map((f) => f[key] ?? null));
  const sessionId = messages[0]?.sessionId;
  if (sessionId !== undefined) metadata['SessionId'] = { string: sessionId };
  return metadata;
}

/** The value of an output binding as the function returned it, turned into messages the way the host sends them. */
export function toOutgoingMessages(data: RpcTypedData): ServiceBusMessage[] {
  let value: unknown;
  if (data.json !== undefined && data.json !== null) value = JSON.parse(data.json);
  else if (data.string !== undefined && data.string !== null) value = data.string;
  else if (data.bytes) value = Buffer.from(data.bytes);
  else if (data.collectionString?.string) value = data.collectionString.string;
  else if (data.collectionBytes?.bytes) value = data.collectionBytes.bytes.map((b) => Buffer.from(b));
  else if (data.int !== undefined && data.int !== null) value = data.int;
  else if (data.double !== undefined && data.double !== null) value = data.double;
  else return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    // The host writes strings as UTF-8 text and objects as JSON text, not JSON-quoted strings.
    if (Buffer.isBuffer(item)) return { body: item };
    if (typeof item === 'string') return { body: Buffer.from(item, 'utf8') };
    return { body: Buffer.from(JSON.stringify(item), 'utf8'), contentType: 'application/json' };
  });
}

interface Listener {
  stop(): Promise<void>;
}

export interface ServiceBusTriggerExtensionOptions {
  /** Where connection settings are read (default process.env, after devhost applied local.settings.json). */
  env?: NodeJS.ProcessEnv;
}

export class ServiceBusTriggerExtension implements HostExtension {
  readonly name = 'serviceBus';
  readonly triggerTypes = ['serviceBusTrigger'];
  readonly outputBindings = {
    serviceBus: (fn: RegisteredFunction, binding: RpcBindingInfo, data: RpcTypedData) => this.#deliverOutput(fn, binding, data),
  };
  readonly #env: NodeJS.ProcessEnv;
  readonly #clients = new Map<string, ServiceBusClient>();
  readonly #listeners: Listener[] = [];
  #host: Host | undefined;
  #stopping = false;

  constructor(options: ServiceBusTriggerExtensionOptions = {}) {
    this.#env = options.env ?? process.env;
  }

  describe(fn: RegisteredFunction): string | undefined {
    if (fn.trigger.type !== 'serviceBusTrigger') return undefined;
    try {
      const b = readBinding(fn.trigger.binding, this.#env);
      return `serviceBusTrigger: ${entityLabel(b)}${b.isSessionsEnabled ? ', sessions' : ''}${b.many ? ', batches' : ''}`;
    } catch {
      return 'serviceBusTrigger';
    }
  }

  async start(host: Host): Promise<void> {
    this.#host = host;
    this.#stopping = false;
    const settings = readServiceBusHostSettings(host.settings.hostJson.extensions?.serviceBus);
    for (const fn of host.functions) {
      if (fn.trigger.type !== 'serviceBusTrigger') continue;
      const binding = readBinding(fn.trigger.binding, this.#env);
      const client = this.#client(binding.connection);
      this.#listeners.push(this.#listen(host, fn, binding, settings, client));
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.allSettled(this.#listeners.splice(0).map((l) => l.stop()));
    await Promise.allSettled([...this.#clients.values()].map((c) => c.close()));
    this.#clients.clear();
  }

  #client(connection: string | undefined): ServiceBusClient {
    const resolved = resolveConnection(connection, this.#env);
    const key = 'connectionString' in resolved ? resolved.connectionString : resolved.fullyQualifiedNamespace;
    let client = this.#clients.get(key);
    if (!client) {
      const options = { retryOptions: { timeoutInMs: 10_000, maxRetries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 5000 } };
      client =
        'connectionString' in resolved
          ? new ServiceBusClient(resolved.connectionString, options)
          : new ServiceBusClient(resolved.fullyQualifiedNamespace, newDefaultAzureCredential(), options);
      this.#clients.set(key, client);
    }
    return client;
  }

  async #deliverOutput(fn: RegisteredFunction, binding: RpcBindingInfo, data: RpcTypedData): Promise<void> {
    const b = readBinding(binding, this.#env);
    const entity = b.queueName ?? b.topicName;
    if (!entity) throw new Error(`Function "${fn.name}": serviceBus output binding needs queueName or topicName`);
    const messages = toOutgoingMessages(data);
    if (messages.length === 0) return;
    const sender = this.#client(b.connection).createSender(entity);
    try {
      await sender.sendMessages(messages);
    } finally {
      await sender.close();
    }
  }

  /** Invokes the function for messages; true when it succeeded. */
  async #invoke(host: Host, fn: RegisteredFunction, messages: readonly ServiceBusReceivedMessage[], many: boolean): Promise<boolean> {
    const trigger = many ? toBatchTriggerData(messages.map((m) => m.body)) : toTriggerData(messages[0]?.body);
    const outcome = await host.invoke(fn.name, { trigger, triggerMetadata: triggerMetadataFor(fn, messages, many) });
    if (outcome.error) {
      host.log.warn(`Function "${fn.name}" failed for message ${String(messages[0]?.messageId)}${messages.length > 1 ? ` (+${messages.length - 1})` : ''}: ${outcome.error.message}`);
      return false;
    }
    return true;
  }

  async #settle(receiver: ServiceBusReceiver | ServiceBusSessionReceiver, messages: readonly ServiceBusReceivedMessage[], ok: boolean, autoComplete: boolean): Promise<void> {
    if (!autoComplete) return;
    for (const message of messages) {
      try {
        if (ok) await receiver.completeMessage(message);
        else await receiver.abandonMessage(message);
      } catch (err) {
        // A lost lock means the message comes back anyway; the function already ran.
        this.#host?.log.warn(`settling message ${String(message.messageId)}: ${(err as Error).message}`);
      }
    }
  }

  #listen(host: Host, fn: RegisteredFunction, b: EntityBinding, settings: ServiceBusHostSettings, client: ServiceBusClient): Listener {
    const autoComplete = b.autoCompleteMessages ?? settings.autoCompleteMessages;
    // Locks are renewed by us while the function runs (see #renewWhileRunning), not by the SDK,
    // whose renewal would go on after the function returned an unsettled message.
    const receiverOptions = { maxAutoLockRenewalDurationInMs: 0 };
    const entity = b.queueName ?? b.topicName ?? '';
    const abort = new AbortController();
    const running = new Set<Promise<void>>();
    const track = (work: Promise<void>): void => {
      running.add(work);
      void work.finally(() => running.delete(work));
    };

    if (b.isSessionsEnabled) {
      const workers = Math.max(1, settings.maxConcurrentSessions);
      for (let i = 0; i < workers; i++) track(this.#sessionWorker(host, fn, b, settings, client, autoComplete, abort.signal));
    } else if (b.many) {
      const receiver = b.queueName !== undefined ? client.createReceiver(entity, receiverOptions) : client.createReceiver(entity, b.subscriptionName ?? '', receiverOptions);
      track(this.#batchLoop(host, fn, receiver, settings, autoComplete, abort.signal));
      return this.#listener(abort, running, [receiver]);
    } else {
      const receiver = b.queueName !== undefined ? client.createReceiver(entity, receiverOptions) : client.createReceiver(entity, b.subscriptionName ?? '', receiverOptions);
      const subscription = receiver.subscribe(
        {
          processMessage: async (message) => {
            const work = (async () => {
              const stopRenewing = renewWhileRunning(receiver, [message], settings.maxAutoLockRenewalDurationMs);
              const ok = await this.#invoke(host, fn, [message], false).finally(stopRenewing);
              await this.#settle(receiver, [message], ok, autoComplete);
            })();
            track(work);
            await work;
          },
          processError: async (args) => {
            if (!this.#stopping) host.log.warn(`Service Bus trigger "${fn.name}" (${entityLabel(b)}): ${args.error.message}`);
          },
        },
        { autoCompleteMessages: false, maxConcurrentCalls: Math.max(1, settings.maxConcurrentCalls) },
      );
      return {
        stop: async () => {
          abort.abort();
          // Stop taking messages, let running functions finish and settle (over $management once
          // the link is gone), then let go of the receiver.
          await subscription.close();
          await Promise.race([Promise.allSettled([...running]), graceDelay()]);
          await receiver.close();
        },
      };
    }
    return this.#listener(abort, running, []);
  }

  #listener(abort: AbortController, running: Set<Promise<void>>, receivers: ServiceBusReceiver[]): Listener {
    return {
      stop: async () => {
        abort.abort();
        await Promise.race([Promise.allSettled([...running]), graceDelay()]);
        await Promise.allSettled(receivers.map((r) => r.close()));
      },
    };
  }

  async #batchLoop(
    host: Host,
    fn: RegisteredFunction,
    receiver: ServiceBusReceiver,
    settings: ServiceBusHostSettings,
    autoComplete: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    while (!signal.aborted) {
      let messages: ServiceBusReceivedMessage[];
      try {
        messages = await receiver.receiveMessages(Math.max(1, settings.maxMessageBatchSize), { maxWaitTimeInMs: 1000, abortSignal: signal });
      } catch (err) {
        if (signal.aborted) return;
        host.log.warn(`Service Bus trigger "${fn.name}": ${(err as Error).message}`);
        await sleep(500, signal);
        continue;
      }
      if (messages.length === 0) continue;
      const stopRenewing = renewWhileRunning(receiver, messages, settings.maxAutoLockRenewalDurationMs);
      const ok = await this.#invoke(host, fn, messages, true).finally(stopRenewing);
      await this.#settle(receiver, messages, ok, autoComplete);
    }
  }

  /** One of maxConcurrentSessions: accept the next free session, process it in order until idle, repeat. */
  async #sessionWorker(
    host: Host,
    fn: RegisteredFunction,
    b: EntityBinding,
    settings: ServiceBusHostSettings,
    client: ServiceBusClient,
    autoComplete: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const options = { maxAutoLockRenewalDurationInMs: settings.maxAutoLockRenewalDurationMs, abortSignal: signal };
    while (!signal.aborted) {
      let session: ServiceBusSessionReceiver;
      try {
        session =
          b.queueName !== undefined
            ? await client.acceptNextSession(b.queueName, options)
            : await client.acceptNextSession(b.topicName ?? '', b.subscriptionName ?? '', options);
      } catch (err) {
        if (signal.aborted) return;
        // No free session before the timeout is the normal idle case.
        if (!(isServiceBusError(err) && err.code === 'ServiceTimeout')) {
          host.log.warn(`Service Bus trigger "${fn.name}" accepting a session: ${(err as Error).message}`);
          await sleep(500, signal);
        }
        continue;
      }
      try {
        while (!signal.aborted) {
          const batchSize = b.many ? Math.max(1, settings.maxMessageBatchSize) : 1;
          const messages = await session.receiveMessages(batchSize, { maxWaitTimeInMs: settings.sessionIdleTimeoutMs });
          if (messages.length === 0) break;
          const ok = await this.#invoke(host, fn, messages, b.many);
          await this.#settle(session, messages, ok, autoComplete);
        }
      } catch (err) {
        if (!signal.aborted) host.log.warn(`Service Bus trigger "${fn.name}" session ${session.sessionId}: ${(err as Error).message}`);
      } finally {
        await session.close().catch(() => undefined);
      }
    }
  }
}

/**
 * Renews message locks while the function runs, as the extension's processor does, up to
 * maxAutoLockRenewalDuration; stops as soon as the function returns. (Session messages are
 * covered by the session lock, which the session receiver renews.)
 */
function renewWhileRunning(receiver: ServiceBusReceiver, messages: readonly ServiceBusReceivedMessage[], maxMs: number): () => void {
  if (maxMs <= 0) return () => undefined;
  const deadline = Date.now() + maxMs;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    const earliest = Math.min(...messages.map((m) => m.lockedUntilUtc?.getTime() ?? Date.now()));
    // Renew at half the remaining lock time, with a floor so short locks do not spin.
    const wait = Math.max(50, (earliest - Date.now()) / 2);
    if (Date.now() + wait > deadline) return;
    timer = setTimeout(() => {
      void Promise.allSettled(messages.map((m) => receiver.renewMessageLock(m))).then(() => {
        if (!stopped) schedule();
      });
    }, wait);
  };
  schedule();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/** Loaded only for identity-based connections to a real namespace: @azure/identity costs ~170 ms to load. */
function newDefaultAzureCredential(): import('@azure/identity').TokenCredential {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load
  const identity = require('@azure/identity') as typeof import('@azure/identity');
  return new identity.DefaultAzureCredential();
}

/** Resolves after stopGraceMs without keeping the process alive for it. */
function graceDelay(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, stopGraceMs).unref());
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
