// Domain errors carry stable codes; the HTTP edge maps each code to a status in one place.
export type DomainErrorCode =
  | 'SERVICE.NOT_FOUND'
  | 'SERVICE.IM_DISABLED'
  | 'SERVICE.HAS_TASKS'
  | 'SERVICE.IN_USE'
  | 'SERVICE.BEING_DELETED'
  | 'AGENT.NOT_FOUND'
  | 'AGENT.NOT_MEMBER'
  | 'AGENT.HAS_TASKS'
  | 'AGENT.UNKNOWN_PROFILE'
  | 'AGENT.UNKNOWN_SERVICE'
  | 'AGENT.UNKNOWN_REASON'
  | 'NOT_AVAILABLE.REQUEST_NOT_FOUND'
  | 'NOT_AVAILABLE.REQUEST_CLOSED'
  | 'SERVICE.UNKNOWN_WORKFLOW'
  | 'WORKFLOW.NOT_FOUND'
  | 'WORKFLOW.VERSION_NOT_FOUND'
  | 'WORKFLOW.INVALID'
  | 'CALENDAR.NOT_FOUND'
  | 'CALENDAR.IN_USE'
  | 'TASK.NOT_FOUND'
  | 'TASK.ILLEGAL_TRANSITION'
  | 'TASK.NOT_ASSIGNED_TO_AGENT'
  | 'OFFER.NOT_FOUND'
  | 'OFFER.NOT_OPEN'
  | 'ACW.NOT_ALLOWED'
  | 'QUEUE.FULL'
  | 'IDEMPOTENCY.KEY_REUSED'
  | 'CHAT.CONSENT_REQUIRED'
  | 'CHAT.INVALID_EMAIL'
  | 'CHAT.INVALID_MESSAGE'
  | 'CHAT.ORIGIN_NOT_ALLOWED'
  | 'CHAT.UNAUTHORIZED'
  | 'CHAT.NOT_FOUND'
  | 'CHAT.ENDED'
  | 'AGENT.NOT_AVAILABLE'
  | 'CONFLICT.EXISTS'
  | 'CONFLICT.STALE_ETAG';

export class DomainError extends Error {
  override name = 'DomainError';
  readonly code: DomainErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: DomainErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}
