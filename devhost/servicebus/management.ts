// The `$management` request/response operations the SDK uses (peek, renew-lock, schedule,
// deferral, update-disposition, session locks and state, rules).
import type { Message as AmqpMessage } from 'rhea';
import type { RuleDeclaration, RuleFilter } from './config';
import { BrokerError, Condition } from './errors';
import { toDeliveredAmqp } from './messages';
import type { ServiceBusNamespace } from './namespace';
import type { Disposition, MessageStore } from './store';
import { compactRecord, decodeMessage, describedList, encodeMessage, lockTokenFromWire, sequenceNumberFromWire, wrapLong, wrapUuid } from './wire';

export interface ManagementResponse {
  statusCode: number;
  body?: unknown;
}

type Body = Record<string, unknown>;

function asBody(request: AmqpMessage): Body {
  const body: unknown = request.body;
  return body && typeof body === 'object' && !Buffer.isBuffer(body) ? (body as Body) : {};
}

function tokensOf(body: Body): string[] {
  const raw = body['lock-tokens'];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const tokens: string[] = [];
  for (const item of list) {
    const token = lockTokenFromWire(item);
    if (token === undefined) throw new BrokerError(Condition.argumentError, 'lock-tokens must hold uuids');
    tokens.push(token);
  }
  return tokens;
}

function sequenceNumbersOf(body: Body): number[] {
  const raw = body['sequence-numbers'];
  const list: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map(sequenceNumberFromWire);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function dispositionOf(body: Body): Disposition {
  const propertiesToModify = compactRecord(body['properties-to-modify']);
  switch (body['disposition-status']) {
    case 'completed':
      return { kind: 'complete' };
    case 'abandoned':
      return { kind: 'abandon', propertiesToModify };
    case 'defered':
    case 'deferred':
      return { kind: 'defer', propertiesToModify };
    case 'suspended':
      return {
        kind: 'deadLetter',
        reason: optionalString(body['deadletter-reason']),
        description: optionalString(body['deadletter-description']),
        propertiesToModify,
      };
    default:
      throw new BrokerError(Condition.argumentError, `unknown disposition-status ${String(body['disposition-status'])}`);
  }
}

/** The filter of an add-rule request (`rule-description` map, as the SDK's ManagementClient.addRule builds it). */
function ruleFilterOf(description: Body): RuleFilter {
  const sql = description['sql-filter'] as Body | undefined;
  if (sql && typeof sql === 'object') return { kind: 'sql', expression: String(sql['expression'] ?? '1=1') };
  const c = description['correlation-filter'] as Body | undefined;
  if (c && typeof c === 'object') {
    const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
    const props = compactRecord(c['properties']) as Record<string, string | number | boolean> | undefined;
    return {
      kind: 'correlation',
      correlationId: str(c['correlation-id']),
      messageId: str(c['message-id']),
      to: str(c['to']),
      replyTo: str(c['reply-to']),
      subject: str(c['label']),
      sessionId: str(c['session-id']),
      replyToSessionId: str(c['reply-to-session-id']),
      contentType: str(c['content-type']),
      applicationProperties: props,
    };
  }
  return { kind: 'true' };
}

export interface ManagementContext {
  readonly namespace: ServiceBusNamespace;
  /** The entity the `$management` link was opened for, e.g. `orders` or `events/Subscriptions/audit`. */
  readonly entityPath: string;
}

function storeOf(ctx: ManagementContext): MessageStore {
  return ctx.namespace.resolveStore(ctx.entityPath);
}

/** Runs one operation. Throws BrokerError for failures the client must see as an SDK error. */
export function handleManagementRequest(ctx: ManagementContext, request: AmqpMessage): ManagementResponse {
  const operation = String(request.application_properties?.['operation'] ?? '');
  const body = asBody(request);
  switch (operation) {
    case 'com.microsoft:peek-message': {
      const from = sequenceNumberFromWire(body['from-sequence-number'] ?? 1);
      const count = Number(body['message-count'] ?? 1);
      const sessionId = optionalString(body['session-id']);
      const peeked = isTopicPath(ctx) ? peekTopic(ctx, from, count) : storeOf(ctx).peek(from, count, sessionId);
      if (peeked.length === 0) return { statusCode: 204 };
      return {
        statusCode: 200,
        body: { messages: peeked.map((m) => ({ message: encodeMessage(toDeliveredAmqp(m, m.lock?.until)) })) },
      };
    }
    case 'com.microsoft:renew-lock': {
      const store = storeOf(ctx);
      return { statusCode: 200, body: { expirations: tokensOf(body).map((t) => new Date(store.renewLock(t))) } };
    }
    case 'com.microsoft:update-disposition': {
      const store = storeOf(ctx);
      const disposition = dispositionOf(body);
      for (const token of tokensOf(body)) store.settle(token, disposition);
      return { statusCode: 200, body: {} };
    }
    case 'com.microsoft:schedule-message': {
      const target = ctx.namespace.resolveSendTarget(ctx.entityPath);
      const entries = Array.isArray(body['messages']) ? (body['messages'] as Body[]) : [];
      const sequenceNumbers: unknown[] = [];
      for (const entry of entries) {
        const encoded = entry['message'];
        if (!Buffer.isBuffer(encoded)) throw new BrokerError(Condition.argumentError, 'schedule-message entries need an encoded message');
        const decoded = decodeMessage(encoded);
        const scheduled = decoded.message_annotations?.['x-opt-scheduled-enqueue-time'] as unknown;
        const at = scheduled instanceof Date ? scheduled.getTime() : Date.now();
        const sequenceNumber = ctx.namespace.send(target, decoded, at);
        // A duplicate is dropped by the service but still answered; -1 marks "no message".
        sequenceNumbers.push(wrapLong(sequenceNumber ?? -1));
      }
      return { statusCode: 200, body: { 'sequence-numbers': sequenceNumbers } };
    }
    case 'com.microsoft:cancel-scheduled-message': {
      const target = ctx.namespace.resolveSendTarget(ctx.entityPath);
      for (const sequenceNumber of sequenceNumbersOf(body)) ctx.namespace.cancelScheduled(target, sequenceNumber);
      return { statusCode: 200, body: {} };
    }
    case 'com.microsoft:receive-by-sequence-number': {
      const store = storeOf(ctx);
      const receiveAndDelete = Number(body['receiver-settle-mode'] ?? 1) === 0;
      const sessionId = optionalString(body['session-id']);
      const messages = store.receiveDeferred(sequenceNumbersOf(body), receiveAndDelete, sessionId);
      return {
        statusCode: 200,
        body: {
          messages: messages.map((m) => {
            const entry: Body = { message: encodeMessage(toDeliveredAmqp(m, m.lock?.until)) };
            if (m.lock) entry['lock-token'] = wrapUuid(m.lock.token);
            return entry;
          }),
        },
      };
    }
    case 'com.microsoft:renew-session-lock': {
      const sessionId = requiredSessionId(body);
      return { statusCode: 200, body: { expiration: new Date(storeOf(ctx).renewSessionLock(sessionId)) } };
    }
    case 'com.microsoft:set-session-state': {
      const session = storeOf(ctx).lockedSession(requiredSessionId(body));
      const state = body['session-state'];
      session.state = Buffer.isBuffer(state) ? Buffer.from(state) : state === null || state === undefined ? undefined : Buffer.from(String(state));
      return { statusCode: 200, body: {} };
    }
    case 'com.microsoft:get-session-state': {
      const session = storeOf(ctx).lockedSession(requiredSessionId(body));
      // No state: the key is left out and the SDK returns undefined.
      return { statusCode: 200, body: session.state === undefined ? {} : { 'session-state': session.state } };
    }
    case 'com.microsoft:get-message-sessions': {
      const skip = Number(body['skip'] ?? 0);
      const top = Number(body['top'] ?? 100);
      const ids = storeOf(ctx).listSessions().slice(skip, skip + top);
      if (ids.length === 0) return { statusCode: 204 };
      return { statusCode: 200, body: { skip, 'sessions-ids': ids } };
    }
    case 'com.microsoft:add-rule': {
      const [topic, subscription] = subscriptionOf(ctx);
      const description = (body['rule-description'] ?? {}) as Body;
      const rule: RuleDeclaration = { name: String(body['rule-name']), filter: ruleFilterOf(description) };
      ctx.namespace.addRule(topic, subscription, rule);
      return { statusCode: 200, body: {} };
    }
    case 'com.microsoft:enumerate-rules': {
      const [topic, subscription] = subscriptionOf(ctx);
      const skip = Number(body['skip'] ?? 0);
      const top = Number(body['top'] ?? 100);
      const rules = [...ctx.namespace.subscription(topic, subscription).rules.values()].slice(skip, skip + top);
      if (rules.length === 0) return { statusCode: 204 };
      return {
        statusCode: 200,
        body: { rules: rules.map((rule) => ({ 'rule-description': describedList(descriptorCodes.ruleDescription, [describeFilter(rule.filter), describedList(descriptorCodes.emptyRuleAction, []), rule.name]) })) },
      };
    }
    case 'com.microsoft:remove-rule': {
      const [topic, subscription] = subscriptionOf(ctx);
      ctx.namespace.removeRule(topic, subscription, String(body['rule-name']));
      return { statusCode: 200, body: {} };
    }
    default:
      throw new BrokerError(Condition.notImplemented, `The operation '${operation}' is not supported by devhost's Service Bus emulator.`);
  }
}

/** AMQP descriptors of Service Bus rule descriptions (as @azure/core-amqp Constants.descriptorCodes). */
const descriptorCodes = {
  ruleDescription: 0x0000013700000004,
  sqlFilter: 0x000001370000006,
  trueFilter: 0x000001370000007,
  falseFilter: 0x000001370000008,
  correlationFilter: 0x000001370000009,
  emptyRuleAction: 0x0000013700000005,
};

function describeFilter(filter: RuleFilter): unknown {
  switch (filter.kind) {
    case 'true':
      return describedList(descriptorCodes.trueFilter, []);
    case 'false':
      return describedList(descriptorCodes.falseFilter, []);
    case 'sql':
      return describedList(descriptorCodes.sqlFilter, [filter.expression]);
    case 'correlation':
      return describedList(descriptorCodes.correlationFilter, [
        filter.correlationId ?? null,
        filter.messageId ?? null,
        filter.to ?? null,
        filter.replyTo ?? null,
        filter.subject ?? null,
        filter.sessionId ?? null,
        filter.replyToSessionId ?? null,
        filter.contentType ?? null,
        filter.applicationProperties ? { ...filter.applicationProperties } : {},
      ]);
  }
}

function requiredSessionId(body: Body): string {
  const id = body['session-id'];
  if (typeof id !== 'string') throw new BrokerError(Condition.argumentError, 'session-id is required');
  return id;
}

function isTopicPath(ctx: ManagementContext): boolean {
  if (ctx.entityPath.includes('/')) return false;
  try {
    return ctx.namespace.resolveSendTarget(ctx.entityPath).kind === 'topic';
  } catch {
    return false;
  }
}

function peekTopic(ctx: ManagementContext, from: number, count: number): ReturnType<MessageStore['peek']> {
  const target = ctx.namespace.resolveSendTarget(ctx.entityPath);
  return target.kind === 'topic' ? ctx.namespace.peekTopic(target, from, count) : [];
}

function subscriptionOf(ctx: ManagementContext): [string, string] {
  const parts = ctx.entityPath.split('/');
  if (parts.length !== 3 || parts[1]?.toLowerCase() !== 'subscriptions') {
    throw new BrokerError(Condition.argumentError, 'rules live on subscriptions');
  }
  return [parts[0] ?? '', parts[2] ?? ''];
}
