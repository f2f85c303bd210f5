// AMQP error conditions the broker answers with, chosen so the SDK maps them to its own codes
// (@azure/core-amqp ConditionErrorNameMapper -> @azure/service-bus ServiceBusError.code).

export const Condition = {
  /** With a description matching "The messaging entity ... could not be found" -> MessagingEntityNotFound. */
  notFound: 'amqp:not-found',
  messageLockLost: 'com.microsoft:message-lock-lost',
  sessionLockLost: 'com.microsoft:session-lock-lost',
  sessionCannotBeLocked: 'com.microsoft:session-cannot-be-locked',
  messageNotFound: 'com.microsoft:message-not-found',
  messageSizeExceeded: 'amqp:link:message-size-exceeded',
  /** -> ServiceTimeout (retryable), what the service says when no session turns up in time. */
  timeout: 'com.microsoft:timeout',
  argumentError: 'com.microsoft:argument-error',
  notAllowed: 'amqp:not-allowed',
  notImplemented: 'amqp:not-implemented',
  internalError: 'amqp:internal-error',
} as const;

export type ConditionName = (typeof Condition)[keyof typeof Condition];

/** HTTP-like status codes that $management and $cbs responses carry beside the condition. */
const statusByCondition: Record<ConditionName, number> = {
  'amqp:not-found': 404,
  'com.microsoft:message-lock-lost': 410,
  'com.microsoft:session-lock-lost': 410,
  'com.microsoft:session-cannot-be-locked': 410,
  'com.microsoft:message-not-found': 404,
  'amqp:link:message-size-exceeded': 403,
  'com.microsoft:timeout': 408,
  'com.microsoft:argument-error': 400,
  'amqp:not-allowed': 400,
  'amqp:not-implemented': 501,
  'amqp:internal-error': 500,
};

/** A failure the broker reports to the client as an AMQP error (link detach, disposition or management status). */
export class BrokerError extends Error {
  override name = 'BrokerError';
  constructor(
    readonly condition: ConditionName,
    message: string,
  ) {
    super(message);
  }

  get statusCode(): number {
    return statusByCondition[this.condition];
  }

  toAmqp(): { condition: string; description: string } {
    return { condition: this.condition, description: this.message };
  }
}

export function entityNotFound(address: string): BrokerError {
  return new BrokerError(
    Condition.notFound,
    `The messaging entity '${address}' could not be found. To know more visit https://aka.ms/sbResourceMgrExceptions.`,
  );
}

export function ensureBrokerError(err: unknown): BrokerError {
  if (err instanceof BrokerError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BrokerError(Condition.internalError, message);
}
