// Every error the API answers with, mapped to its HTTP status in this one place.
import type { z } from 'zod';
import { DomainError, type DomainErrorCode } from '../domain/errors';
import { ContentionError } from '../distribution/optimistic';
import { InvalidPageTokenError, PreconditionFailedError } from '../distribution/ports';

export interface HttpErrorResponse {
  readonly status: number;
  readonly jsonBody: { readonly error: { readonly code: string; readonly message: string; readonly issues?: readonly Issue[]; readonly details?: Readonly<Record<string, unknown>> } };
}

/** One thing wrong with a request: its JSON pointer, and for a workflow, the node (activity) it is about. */
export interface Issue {
  readonly path: string;
  readonly message: string;
  readonly activity?: string;
}

/** A request that is malformed: the issues name each field by JSON pointer. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  readonly issues: readonly Issue[];

  constructor(message: string, issues: readonly Issue[]) {
    super(message);
    this.issues = issues;
  }

  static fromZod(error: z.ZodError, where: string): ValidationError {
    const issues = error.issues.flatMap((issue) => {
      // An unknown field is named by its own pointer, so a client can tell which one to drop.
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: jsonPointer([...issue.path, key]), message: 'unknown field' }));
      // A bad key of a map (a skill name, a parameter name): say what is wrong with the name itself.
      if (issue.code === 'invalid_key') return [{ path: jsonPointer(issue.path), message: `invalid name: ${issue.issues.map((i) => i.message).join('; ')}` }];
      return [{ path: jsonPointer(issue.path), message: issue.message }];
    });
    const first = issues[0];
    return new ValidationError(first ? `${where}: ${first.path} ${first.message}` : `${where} is invalid`, issues);
  }
}

/** RFC 6901: '/' for the whole document, '~' and '/' inside a segment escaped. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '/' : path.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** A body whose Content-Type says it is not JSON. */
export class UnsupportedMediaTypeError extends Error {
  override name = 'UnsupportedMediaTypeError';
}

/** An update without If-Match, or with a stale one. */
export class PreconditionError extends Error {
  override name = 'PreconditionError';
  readonly status: 412 | 428;
  constructor(status: 412 | 428, message: string) {
    super(message);
    this.status = status;
  }
}

const statusByCode: Readonly<Record<DomainErrorCode, number>> = {
  'SERVICE.NOT_FOUND': 404,
  'SERVICE.IM_DISABLED': 409,
  'SERVICE.HAS_TASKS': 409,
  'SERVICE.IN_USE': 409,
  // A write that would refer to a service while its delete is under way (it may be refused: try again).
  'SERVICE.BEING_DELETED': 409,
  'AGENT.UNKNOWN_REASON': 400,
  'NOT_AVAILABLE.REQUEST_NOT_FOUND': 404,
  'NOT_AVAILABLE.REQUEST_CLOSED': 409,
  'AGENT.NOT_FOUND': 404,
  'AGENT.NOT_MEMBER': 409,
  'AGENT.HAS_TASKS': 409,
  'AGENT.UNKNOWN_PROFILE': 400,
  'AGENT.UNKNOWN_SERVICE': 400,
  'SERVICE.UNKNOWN_WORKFLOW': 400,
  'WORKFLOW.NOT_FOUND': 404,
  'WORKFLOW.VERSION_NOT_FOUND': 404,
  // A workflow naming calendars or services that do not exist (or do not take IM).
  'WORKFLOW.INVALID': 400,
  'CALENDAR.NOT_FOUND': 404,
  'CALENDAR.IN_USE': 409,
  'TASK.NOT_FOUND': 404,
  'TASK.ILLEGAL_TRANSITION': 409,
  'TASK.NOT_ASSIGNED_TO_AGENT': 403,
  'OFFER.NOT_FOUND': 404,
  'OFFER.NOT_OPEN': 409,
  'ACW.NOT_ALLOWED': 409,
  'QUEUE.FULL': 409,
  // The same Idempotency-Key with another request: the first one stands, this one is refused.
  'IDEMPOTENCY.KEY_REUSED': 422,
  'CHAT.CONSENT_REQUIRED': 400,
  'CHAT.INVALID_EMAIL': 400,
  'CHAT.INVALID_MESSAGE': 400,
  'CHAT.ORIGIN_NOT_ALLOWED': 403,
  // Missing, expired, closed or another chat's customer token: the same answer, so it reveals nothing.
  'CHAT.UNAUTHORIZED': 401,
  'CHAT.NOT_FOUND': 404,
  'CHAT.ENDED': 409,
  'AGENT.NOT_AVAILABLE': 409,
  'CONFLICT.EXISTS': 409,
  'CONFLICT.STALE_ETAG': 412,
};

/** The HTTP answer for an error, or undefined when it is not the caller's fault (rethrow: 500, retried). */
export function toHttpError(err: unknown): HttpErrorResponse | undefined {
  if (err instanceof ValidationError) return { status: 400, jsonBody: { error: { code: 'VALIDATION', message: err.message, issues: err.issues } } };
  if (err instanceof DomainError) {
    // A domain error about one field of the body names it as a validation issue does.
    const pointer = err.details['pointer'];
    // A domain error about several (a workflow's references) lists them; they are not repeated in details.
    const { issues: listed, ...details } = err.details;
    const issues = Array.isArray(listed) ? { issues: listed as Issue[] } : typeof pointer === 'string' ? { issues: [{ path: pointer, message: err.message }] } : {};
    return { status: statusByCode[err.code], jsonBody: { error: { code: err.code, message: err.message, ...issues, details } } };
  }
  if (err instanceof PreconditionError) return { status: err.status, jsonBody: { error: { code: err.status === 412 ? 'CONFLICT.STALE_ETAG' : 'PRECONDITION.REQUIRED', message: err.message } } };
  if (err instanceof UnsupportedMediaTypeError) return { status: 415, jsonBody: { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: err.message } } };
  if (err instanceof InvalidPageTokenError) {
    const issue = { path: '/continuationToken', message: 'not a token from a page of this list: pass back the continuationToken of the previous page' };
    return { status: 400, jsonBody: { error: { code: 'VALIDATION', message: `query: ${issue.path} is ${issue.message}`, issues: [issue] } } };
  }
  if (err instanceof PreconditionFailedError) return { status: 412, jsonBody: { error: { code: 'CONFLICT.STALE_ETAG', message: 'the resource changed since you read it: read it again' } } };
  if (err instanceof ContentionError) return { status: 503, jsonBody: { error: { code: 'CONTENTION', message: 'too many concurrent changes; retry' } } };
  return undefined;
}
