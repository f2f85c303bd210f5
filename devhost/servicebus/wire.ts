// Encodings the Service Bus protocol layers on AMQP: lock tokens in delivery tags, .NET ticks,
// sequence numbers as longs, batch envelopes, settlement outcomes.
import { message as amqpMessage, string_to_uuid, types, uuid_to_string, type Message as AmqpMessage } from 'rhea';

/** message_format of a batch: the body's data sections each hold one encoded message. */
export const batchMessageFormat = 0x80013700;

/**
 * The SDK reads a lock token from the delivery tag with the first three GUID groups byte-swapped
 * (.NET Guid byte order); tokens it sends to $management are plain. Swapping is its own inverse.
 */
export function reorderGuidBytes(bytes: Buffer): Buffer {
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  return Buffer.from(order.map((i) => bytes[i] ?? 0));
}

export function lockTokenToDeliveryTag(token: string): Buffer {
  return reorderGuidBytes(Buffer.from(string_to_uuid(token)));
}

/** A lock token as $management requests carry it (uuid, decoded by rhea as a Buffer) in canonical form. */
export function lockTokenFromWire(value: unknown): string | undefined {
  if (Buffer.isBuffer(value) && value.length === 16) return uuid_to_string(value);
  if (typeof value === 'string') return value.toLowerCase();
  return undefined;
}

export function wrapUuid(token: string): unknown {
  return types.wrap_uuid(Buffer.from(string_to_uuid(token)));
}

const ticksAtUnixEpoch = 621355968000000000n;

/** A time as .NET ticks in an AMQP long (how `com.microsoft:locked-until-utc` travels). */
export function toTicks(epochMs: number): unknown {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(Math.round(epochMs)) * 10000n + ticksAtUnixEpoch);
  return types.wrap_long(buffer);
}

/** Sequence numbers arrive as numbers or (beyond 2^53, or when the SDK sends Long bytes) 8-byte buffers. */
export function sequenceNumberFromWire(value: unknown): number {
  if (typeof value === 'number') return value;
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE());
  if (typeof value === 'bigint') return Number(value);
  throw new TypeError(`not a sequence number: ${String(value)}`);
}

export function wrapLong(value: number): unknown {
  return types.wrap_long(value);
}

/** Unpacks a batch envelope into its messages. */
export function unpackBatch(payload: Buffer): AmqpMessage[] {
  const envelope = amqpMessage.decode(payload);
  const body = envelope.body as { typecode?: number; content?: unknown; multiple?: boolean } | undefined;
  if (!body || body.typecode !== 0x75) return [];
  const sections = body.multiple ? (body.content as Buffer[]) : [body.content as Buffer];
  return sections.map((section) => decodeMessage(Buffer.from(section)));
}

/** rhea's decode returns its own Message type; the fields are the same as the connection-level one. */
export function decodeMessage(payload: Buffer): AmqpMessage {
  return amqpMessage.decode(payload) as unknown as AmqpMessage;
}

export function encodedSize(message: AmqpMessage): number {
  return amqpMessage.encode(message).length;
}

export function encodeMessage(message: AmqpMessage): Buffer {
  return amqpMessage.encode(message);
}

interface OutcomeFactory {
  described(): unknown;
}

/** rhea builds outcome states at run time; its typings omit the constructors. */
const outcomes = amqpMessage as unknown as {
  accepted(): OutcomeFactory;
  rejected(fields: { error?: { condition: string; description: string } }): OutcomeFactory;
  modified(fields: { delivery_failed?: boolean; undeliverable_here?: boolean }): OutcomeFactory;
};

export function acceptedOutcome(): unknown {
  return outcomes.accepted().described();
}

export function rejectedOutcome(error?: { condition: string; description: string }): unknown {
  return outcomes.rejected(error ? { error } : {}).described();
}

export function modifiedOutcome(undeliverableHere: boolean): unknown {
  return outcomes.modified({ delivery_failed: false, undeliverable_here: undeliverableHere }).described();
}

/** Drops keys whose values are null/undefined (rhea decodes an omitted SDK field as null). */
export function compactRecord(value: unknown): Record<string, unknown> | undefined {
  if (!value || typeof value !== 'object' || Buffer.isBuffer(value)) return undefined;
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== null && v !== undefined) result[k] = v;
  return Object.keys(result).length > 0 ? result : undefined;
}

/** A described list (how rule descriptions travel in enumerate-rules answers). */
export function describedList(descriptor: number, items: readonly unknown[]): unknown {
  return types.wrap_described([...items], descriptor);
}
