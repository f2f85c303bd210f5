// Not-available requests: each time an agent stops being available (goes busy, away or offline), a
// request for the reason opens. The agent fills it with one of the reasons an admin assigned them,
// then or later; requests stack up, most recent first, each can be filled on its own, and each
// closes by itself a week after it opened (or at the time the agent gave), filled or not.
import { DomainError } from './errors';

/** Not-available requests stay open at most this long, then close by themselves. */
export const notAvailableMaxMs = 7 * 24 * 3600 * 1000;

/** Open requests an agent keeps at most: past this many, the oldest close early. */
export const maxOpenRequests = 50;

export interface NotAvailableRequest {
  readonly id: string;
  /** The presence the agent went to when it opened. */
  readonly presence: 'busy' | 'away' | 'offline';
  readonly since: string;
  /** When it closes by itself: a week after `since`, or earlier when the agent said so. */
  readonly expiresAt: string;
  /** One of the agent's assigned reasons, once filled. */
  readonly reason: string | null;
  readonly filledAt: string | null;
}

/** The requests still open at `now`, most recent first. */
export function openRequests(requests: readonly NotAvailableRequest[], now: Date): readonly NotAvailableRequest[] {
  return requests.filter((r) => Date.parse(r.expiresAt) > now.getTime());
}

/**
 * The reason as the agent's admin assigned it (matched ignoring case and surrounding spaces), or a
 * 400 naming `pointer` and the reasons the agent may give.
 */
export function assignedReason(assigned: readonly string[], reason: string, pointer: string): string {
  const wanted = reason.trim().toLowerCase();
  const found = assigned.find((r) => r.toLowerCase() === wanted);
  if (found !== undefined) return found;
  const allowed = assigned.length === 0 ? 'none are assigned to this agent' : `use one of ${assigned.map((r) => JSON.stringify(r)).join(', ')}`;
  throw new DomainError('AGENT.UNKNOWN_REASON', `"${reason}" is not one of the agent's not-available reasons: ${allowed}`, { pointer, reason, assigned });
}

/** The request filled with `reason` (already one of the agent's); a closed or unknown request is refused. */
export function fillRequest(requests: readonly NotAvailableRequest[], requestId: string, reason: string, now: Date): readonly NotAvailableRequest[] {
  const request = requests.find((r) => r.id === requestId);
  if (!request) throw new DomainError('NOT_AVAILABLE.REQUEST_NOT_FOUND', `no not-available request ${requestId}`, { requestId });
  if (Date.parse(request.expiresAt) <= now.getTime()) {
    throw new DomainError('NOT_AVAILABLE.REQUEST_CLOSED', `not-available request ${requestId} closed at ${request.expiresAt}: a request can be filled only while it is open`, { requestId, closedAt: request.expiresAt });
  }
  return requests.map((r) => (r.id === requestId ? { ...r, reason, filledAt: now.toISOString() } : r));
}

/**
 * The requests after the agent's presence went from `from` to `to` at `now`. Leaving `available`
 * opens request `id`, filled at once with `reason` when given; so does a reason given when no
 * request is open (an agent signing in as busy, say). Otherwise a reason fills the most recent open
 * request. `until`: when that request closes, if before a week. Closed requests are dropped, and
 * past `maxOpenRequests` the oldest.
 */
export function afterPresenceChange(
  requests: readonly NotAvailableRequest[],
  change: { from: string; to: 'available' | NotAvailableRequest['presence']; now: Date; id: string; reason?: string | undefined; until?: Date | undefined },
): readonly NotAvailableRequest[] {
  const { from, to, now, id, reason, until } = change;
  const open = openRequests(requests, now);
  if (to === 'available') return open;
  const filledNow = reason === undefined ? {} : { reason, filledAt: now.toISOString() };
  const latestClose = now.getTime() + notAvailableMaxMs;
  const closes = (at: number): string => new Date(Math.min(until?.getTime() ?? at, at)).toISOString();
  const [latest, ...rest] = open;
  if (from === 'available' || (!latest && reason !== undefined)) {
    return [{ id, presence: to, since: now.toISOString(), expiresAt: closes(latestClose), reason: null, filledAt: null, ...filledNow }, ...open].slice(0, maxOpenRequests);
  }
  if (!latest || (reason === undefined && until === undefined)) return open;
  return [{ ...latest, ...filledNow, expiresAt: closes(Date.parse(latest.expiresAt)) }, ...rest];
}
