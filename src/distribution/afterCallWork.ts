// Finishing a chat: the task goes into After Call Work (ACW), which the agent may extend or end
// early when the service allows; when ACW ends the task closes and the agent's slot is freed.
import type { Agent, AgentTask } from '../domain/agent';
import { DomainError } from '../domain/errors';
import type { AfterCallWork } from '../domain/service';
import { acceptedOffer, closed, extendedAcw, extensionByKey, finished, type Task } from '../domain/task';
import { offerToTask, releaseTask, updateAgent } from './agentTasks';
import { update } from './optimistic';
import { PreconditionFailedError, type DistributionDeps, type Versioned } from './ports';

const taskMissing = (taskId: string) => ({ code: 'TASK.NOT_FOUND' as const, message: `task ${taskId} not found` });

function assertAssigned(task: Task, agentId: string): void {
  if (task.assignedAgentId !== agentId) {
    throw new DomainError('TASK.NOT_ASSIGNED_TO_AGENT', `task ${task.id} is not assigned to agent ${agentId}`, { taskId: task.id, agentId });
  }
}

/**
 * The After Call Work rules the chat was offered under, kept on the offer the agent accepted: they
 * do not change while the chat is handled, and finishing it needs no read of the service.
 */
function acwRules(task: Task, agentId: string): AfterCallWork {
  assertAssigned(task, agentId);
  const offer = acceptedOffer(task);
  if (!offer) throw new DomainError('TASK.NOT_ASSIGNED_TO_AGENT', `task ${task.id} has no accepted offer`, { taskId: task.id, agentId });
  return offer.afterCallWork;
}

/** The agent finishes the chat: into ACW for the offer's duration, or closed at once when it is 0. */
export async function finishTask(agentId: string, taskId: string, deps: DistributionDeps): Promise<Task> {
  const now = deps.clock.now();
  const at = now.toISOString();
  // Read first, and written last against this read's ETag: the same requests as reading it then.
  const agent = await deps.agents.read(agentId);
  const chat = agent?.value.tasks.find((t) => t.taskId === taskId);
  const { after, changed } = (chat && (await finishWithoutRead(chat, agentId, now, deps))) ?? (await finishAsRead(agentId, taskId, now, deps));
  const task = after.value;
  const accepted = acceptedOffer(task);
  const acceptedOfferId = accepted?.offerId ?? '';
  if (task.state === 'closed') {
    // Closed by this call, or by an earlier one that crashed before freeing the agent: free it.
    if (accepted?.afterCallWork.durationSeconds === 0) await afterClosed(task, changed, at, deps, { before: (current) => offerToTask(current, acceptedOfferId, taskId, task.serviceId, at) ?? current, known: agent });
    return task;
  }
  if (task.state !== 'wrap-up' || !task.acw) return task;
  await updateAgent(
    deps,
    agentId,
    (current) => {
      const connected = offerToTask(current, acceptedOfferId, taskId, task.serviceId, at) ?? current;
      const entry = connected.tasks.find((t) => t.taskId === taskId);
      if (entry?.phase === 'wrap-up') return connected === current ? undefined : connected;
      return { ...connected, tasks: connected.tasks.map((t) => (t.taskId === taskId ? { ...t, phase: 'wrap-up' as const } : t)) };
    },
    agent,
  );
  await deps.timeouts.schedule({ kind: 'acw', taskId, acwVersion: task.acw.extensions }, new Date(task.acw.endsAt));
  return task;
}

/** The chat decided as the task is now: refused when it is not the agent's; nothing to write when finished already. */
async function finishAsRead(agentId: string, taskId: string, now: Date, deps: DistributionDeps): Promise<{ after: Versioned<Task>; changed: boolean }> {
  const at = now.toISOString();
  return update(
    deps.tasks,
    taskId,
    (task) => {
      const rules = acwRules(task, agentId);
      const noAcw = rules.durationSeconds === 0;
      if (task.state === 'closed' || (task.state === 'wrap-up' && !noAcw)) return undefined;
      // A task left in wrap-up without ACW (by a call that died before closing it) closes now.
      return task.state === 'wrap-up' ? closed(task, at) : finished(task, now, rules.durationSeconds);
    },
    taskMissing(taskId),
  );
}

/**
 * The finish written without reading the task, on the condition that it is the chat the agent's
 * entry says (domain's `finishable`): accepted with that offer, with that ACW, not ended yet.
 * Undefined when the entry does not say (held before it was kept), or the task is not so: then it is
 * read, and the finish decided (or refused, saying why) as it is now.
 */
async function finishWithoutRead(chat: AgentTask, agentId: string, now: Date, deps: DistributionDeps): Promise<{ after: Versioned<Task>; changed: boolean } | undefined> {
  if (chat.offerId === undefined || chat.acwSeconds === undefined || chat.phase !== 'connected') return undefined;
  try {
    return { after: await deps.tasks.finishConnected(chat.taskId, chat.offerId, agentId, now, chat.acwSeconds), changed: true };
  } catch (err) {
    if (err instanceof PreconditionFailedError) return undefined;
    throw err;
  }
}

/**
 * The agent extends ACW by `seconds`. `idempotencyKey` (the request's Idempotency-Key): a retry of
 * an extension (any of the last maxKeptExtensionKeys), whose first attempt may have been written
 * before its answer was lost, returns the task as it is instead of extending again.
 */
export async function extendAcw(agentId: string, taskId: string, seconds: number, deps: DistributionDeps, idempotencyKey?: string): Promise<Task> {
  const stored = await deps.tasks.read(taskId);
  const current = stored?.value;
  if (!current) throw new DomainError('TASK.NOT_FOUND', `task ${taskId} not found`, { taskId });
  const afterCallWork = acwRules(current, agentId);
  if (!afterCallWork.extendable) throw new DomainError('ACW.NOT_ALLOWED', `the After Call Work rules this chat was offered under (service ${current.serviceId}) do not let agents extend it`, { taskId });
  if (seconds > afterCallWork.maxExtensionSeconds) {
    throw new DomainError('ACW.NOT_ALLOWED', `an extension may be at most ${afterCallWork.maxExtensionSeconds} seconds`, { taskId, seconds });
  }
  const { after } = await update(
    deps.tasks,
    taskId,
    (task) => {
      assertAssigned(task, agentId);
      const earlier = idempotencyKey !== undefined && task.acw ? extensionByKey(task.acw, idempotencyKey) : undefined;
      if (earlier) {
        // Tasks stored before lengths were kept with keys have none to compare: taken as a retry.
        if (!Number.isNaN(earlier.seconds) && earlier.seconds !== seconds) {
          throw new DomainError('IDEMPOTENCY.KEY_REUSED', `Idempotency-Key ${idempotencyKey} extended ACW by ${earlier.seconds} seconds, not ${seconds}: use a new key for another extension`, { taskId, idempotencyKey });
        }
        return undefined; // a retry: extended already
      }
      if (task.state !== 'wrap-up' || !task.acw) throw new DomainError('TASK.ILLEGAL_TRANSITION', `task ${taskId} is ${task.state}, not in After Call Work`, { taskId, from: task.state });
      // Its end has come: its timer is closing it, and an extension would reopen what has run out.
      if (Date.parse(task.acw.endsAt) <= deps.clock.now().getTime()) {
        throw new DomainError('TASK.ILLEGAL_TRANSITION', `task ${taskId}'s After Call Work ended at ${task.acw.endsAt}`, { taskId, from: task.state });
      }
      return { ...task, acw: extendedAcw(task.acw, seconds, idempotencyKey) };
    },
    taskMissing(taskId),
    stored,
  );
  const acw = after.value.acw;
  // Also on a retry: its first attempt may have died before scheduling (keyed, so once).
  if (acw && after.value.state === 'wrap-up') await deps.timeouts.schedule({ kind: 'acw', taskId, acwVersion: acw.extensions }, new Date(acw.endsAt));
  return after.value;
}

/** The agent ends ACW early, when the service allows it. */
export async function endAcw(agentId: string, taskId: string, deps: DistributionDeps): Promise<Task> {
  const stored = await deps.tasks.read(taskId);
  const current = stored?.value;
  if (!current) throw new DomainError('TASK.NOT_FOUND', `task ${taskId} not found`, { taskId });
  if (!acwRules(current, agentId).canEndEarly) throw new DomainError('ACW.NOT_ALLOWED', `the After Call Work rules this chat was offered under (service ${current.serviceId}) do not let agents end it early`, { taskId });
  return closeTask(taskId, undefined, deps, stored);
}

/** ACW ran out: closes the task unless ACW was extended since this timeout was scheduled. */
export async function acwTimedOut(taskId: string, acwVersion: number, deps: DistributionDeps): Promise<Task> {
  return closeTask(taskId, acwVersion, deps);
}

async function closeTask(taskId: string, acwVersion: number | undefined, deps: DistributionDeps, known?: Versioned<Task>): Promise<Task> {
  const now = deps.clock.now().toISOString();
  const { after, changed } = await update(
    deps.tasks,
    taskId,
    (task) => {
      if (task.state === 'closed') return undefined;
      if (task.state !== 'wrap-up') throw new DomainError('TASK.ILLEGAL_TRANSITION', `task ${taskId} is ${task.state}, not in After Call Work`, { taskId, from: task.state, to: 'closed' });
      if (acwVersion !== undefined && task.acw?.extensions !== acwVersion) return undefined; // extended since: the later timeout closes it
      return closed(task, now);
    },
    taskMissing(taskId),
    known,
  );
  const task = after.value;
  if (task.state !== 'closed') {
    // An older timeout of an extended ACW: make sure the current one is scheduled (keyed, so once),
    // in case the extension's own scheduling was lost to a crash after its write.
    if (task.state === 'wrap-up' && task.acw && acwVersion !== undefined) await deps.timeouts.schedule({ kind: 'acw', taskId, acwVersion: task.acw.extensions }, new Date(task.acw.endsAt));
    return task;
  }
  await afterClosed(task, changed, now, deps);
  return task;
}

/**
 * A closed task's consequences, each safe to repeat: the agent's slot freed, the session recorded, a
 * round asked for. `before`: a repair of the agent to make first; `known`: the agent as just read.
 */
async function afterClosed(
  task: Task,
  changed: boolean,
  now: string,
  deps: DistributionDeps,
  { before = (agent: Agent): Agent => agent, known }: { before?: (agent: Agent) => Agent; known?: Versioned<Agent> | undefined } = {},
): Promise<void> {
  if (task.assignedAgentId) {
    await updateAgent(
      deps,
      task.assignedAgentId,
      (agent) => {
        const current = before(agent);
        // Idle since the chat ended, also when a repeated call frees the slot later.
        return releaseTask(current, task.id, task.timings.endedAt ?? now) ?? (current === agent ? undefined : current);
      },
      known?.value.id === task.assignedAgentId ? known : undefined,
    );
  }
  const { connectedAt, queuedAt, endedAt } = task.timings;
  await deps.sessions.record({
    id: task.id,
    serviceId: task.serviceId,
    taskId: task.id,
    agentId: task.assignedAgentId,
    outcome: task.outcome ?? 'handled',
    queuedAt,
    connectedAt,
    endedAt: endedAt ?? now,
    waitSeconds: queuedAt && connectedAt ? (Date.parse(connectedAt) - Date.parse(queuedAt)) / 1000 : null,
    handleSeconds: connectedAt ? (Date.parse(endedAt ?? now) - Date.parse(connectedAt)) / 1000 : null,
    codes: task.codes,
    tags: task.tags,
  });
  if (changed || task.assignedAgentId) await deps.signal.requestDistribution(task.serviceId, 'capacity freed');
}
