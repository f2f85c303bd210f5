// The side of each workflow activity that touches the world, run as Durable activities. Every one
// is keyed (messages by a deterministic id, task changes by reading before writing), so a retried
// or replayed activity has the effect of one.
import { ineligibility } from '../domain/agent';
import { DomainError } from '../domain/errors';
import { chooseExit, type Condition } from '../domain/workflow/conditions';
import type { NodeSettings, Visibility, WorkflowVersion } from '../domain/workflow/model';
import { renderTemplate, renderUrlTemplate } from '../domain/workflow/template';
import { queuePosition } from '../distribution/queuePosition';
import type { OpeningState, WorkflowRuntime } from './runtime';
import { endFromWorkflow, failTask, isWaiting, waitingStates, markHandled, queueFromWorkflow, readTask, setParameters, setPriority, transferTask, type QueueOutcome } from './taskSteps';

type Settings<T extends NodeSettings['type']> = Extract<NodeSettings, { type: T }>;

export interface MessageInput {
  readonly taskId: string;
  readonly messageId: string;
  readonly text: string;
  readonly visibility: Visibility;
  readonly nickname?: string;
  readonly kind: 'text' | 'notice';
}

/** Every workflow activity, by the name the orchestrator calls it with. */
export class NodeActivities {
  readonly #runtime: WorkflowRuntime;

  constructor(runtime: WorkflowRuntime) {
    this.#runtime = runtime;
  }

  get #deps() {
    return this.#runtime.distribution;
  }

  async loadWorkflow(input: { versionId: string }): Promise<WorkflowVersion> {
    const version = await this.#runtime.readVersion(input.versionId);
    if (!version) throw new DomainError('SERVICE.NOT_FOUND', `workflow version ${input.versionId} not found`, { versionId: input.versionId });
    return version;
  }

  /** Posts a templated message into the chat; returns nothing so no text enters the history. */
  async postMessage(input: MessageInput): Promise<null> {
    const task = await readTask(input.taskId, this.#deps);
    await this.#runtime.conversation.post(input.taskId, {
      messageId: input.messageId,
      text: renderTemplate(input.text, task.parameters),
      visibility: input.visibility,
      nickname: input.nickname ?? 'Switchboard',
      kind: input.kind,
    });
    return null;
  }

  async pushUrlNotice(input: { taskId: string; messageId: string; url: string; text?: string }): Promise<null> {
    const task = await readTask(input.taskId, this.#deps);
    const url = renderUrlTemplate(input.url, task.parameters);
    const text = input.text ? `${renderTemplate(input.text, task.parameters)} ${url}` : url;
    await this.#runtime.conversation.post(input.taskId, { messageId: input.messageId, text, visibility: 'ALL', nickname: 'Switchboard', kind: 'notice' });
    return null;
  }

  async accept(input: { taskId: string; at: string }): Promise<null> {
    const task = await readTask(input.taskId, this.#deps);
    if (task.parameters['acceptedAt'] === undefined) await setParameters(input.taskId, { acceptedAt: input.at }, this.#deps);
    return null;
  }

  /**
   * The customer's reply to a prompt posted at `since`: the message the event named, or on a
   * timeout the first one posted since. A message from before the prompt is no reply ('early').
   */
  async #reply(taskId: string, messageId: string | undefined, since: string): Promise<{ text: string } | 'early' | undefined> {
    if (messageId === undefined) return this.#runtime.conversation.customerMessageSince(taskId, since);
    const message = await this.#runtime.conversation.customerMessage(taskId, messageId);
    if (message === undefined) return undefined;
    return message.postedAt < since ? 'early' : message;
  }

  /** Saves the customer's reply to a parameter: 'saved', 'early' (not a reply: wait on) or 'none'. */
  async saveReply(input: { taskId: string; parameter: string; messageId?: string; since: string }): Promise<'saved' | 'early' | 'none'> {
    const reply = await this.#reply(input.taskId, input.messageId, input.since);
    if (reply === 'early') return 'early';
    if (reply === undefined) return 'none';
    await setParameters(input.taskId, { [input.parameter]: reply.text.trim() }, this.#deps);
    return 'saved';
  }

  /** Input Customer: the exit of the option the reply picks (by key, label or 1-based number), null for none, or 'early'. */
  async matchOption(input: { taskId: string; messageId?: string; since: string; options: Settings<'InputCustomer'>['options'] }): Promise<{ exit: string | null } | 'early'> {
    const reply = await this.#reply(input.taskId, input.messageId, input.since);
    if (reply === 'early') return 'early';
    if (reply === undefined) return { exit: null };
    const text = reply.text.trim().toLowerCase();
    const option = input.options.find((o, i) => o.key.toLowerCase() === text || o.label.toLowerCase() === text || String(i + 1) === text);
    return { exit: option?.exit ?? null };
  }

  async saveParameter(input: { taskId: string; parameter: string; value: string }): Promise<null> {
    const task = await readTask(input.taskId, this.#deps);
    await setParameters(input.taskId, { [input.parameter]: renderTemplate(input.value, task.parameters) }, this.#deps);
    return null;
  }

  async checkParameter(input: { taskId: string; conditions: readonly Condition[] }): Promise<string> {
    return chooseExit(input.conditions, (await readTask(input.taskId, this.#deps)).parameters);
  }

  async checkOpeningHours(input: { calendarId: string; at: string }): Promise<OpeningState> {
    return this.#runtime.openingState(input.calendarId, new Date(input.at));
  }

  /** On duty: on duty and signed in; available: could take a chat now (present, not in RONA, with a free slot). */
  async #counts(serviceId: string): Promise<{ onDuty: number; available: number }> {
    const candidates = await this.#deps.directory.candidatesFor(serviceId);
    const available = candidates.filter((c) => ineligibility(c.value, serviceId) === undefined).length;
    return { onDuty: await this.#deps.directory.onDutyCount(serviceId), available };
  }

  async availability(input: { taskId: string; measure: 'on-duty' | 'available'; threshold: number }): Promise<string> {
    const task = await readTask(input.taskId, this.#deps);
    const counts = await this.#counts(task.serviceId);
    const count = input.measure === 'on-duty' ? counts.onDuty : counts.available;
    return count >= input.threshold ? 'atOrAbove' : 'below';
  }

  async getAvailableUsers(input: { taskId: string; onDutyParameter: string; availableParameter: string }): Promise<null> {
    const task = await readTask(input.taskId, this.#deps);
    const counts = await this.#counts(task.serviceId);
    await setParameters(input.taskId, { [input.onDutyParameter]: String(counts.onDuty), [input.availableParameter]: String(counts.available) }, this.#deps);
    return null;
  }

  /** Get Queue Position: saves and optionally posts position and wait; the exit, or 'ended' when the task no longer waits. */
  async queuePosition(input: { taskId: string; messageId: string; settings: Settings<'GetQueuePosition'> }): Promise<string> {
    const { settings } = input;
    const position = await queuePosition(input.taskId, this.#deps);
    // queuePosition read the task already: its state says whether the task still waits.
    if (!waitingStates.includes(position.state)) {
      return position.state === 'connected' || position.state === 'wrap-up' ? 'connected' : 'ended';
    }
    const values = { queuePosition: position.position === null ? '' : String(position.position), estimatedWaitSeconds: position.estimatedWaitSeconds === null ? '' : String(position.estimatedWaitSeconds) };
    const parameters = { ...(await setParameters(input.taskId, values, this.#deps)).parameters };
    if (settings.postToChat && position.position !== null) {
      const text = settings.template ?? (position.estimatedWaitSeconds === null ? 'You are number {{queuePosition}} in the queue.' : 'You are number {{queuePosition}} in the queue; the estimated wait is {{estimatedWaitSeconds}} seconds.');
      await this.#runtime.conversation.post(input.taskId, { messageId: input.messageId, text: renderTemplate(text, parameters), visibility: 'ALL', nickname: 'Switchboard', kind: 'notice' });
    }
    if (settings.positionThreshold === undefined && settings.waitThresholdSeconds === undefined) return 'next';
    const beyondPosition = settings.positionThreshold !== undefined && (position.position ?? 0) > settings.positionThreshold;
    const beyondWait = settings.waitThresholdSeconds !== undefined && (position.estimatedWaitSeconds ?? 0) > settings.waitThresholdSeconds;
    return beyondPosition || beyondWait ? 'beyond' : 'within';
  }

  async queueTask(input: { taskId: string }): Promise<QueueOutcome> {
    return queueFromWorkflow(input.taskId, this.#deps);
  }

  /** The task's state, for waits that must not outlive it (an event can be missed across continueAsNew). */
  async taskState(input: { taskId: string }): Promise<string> {
    return (await readTask(input.taskId, this.#deps)).state;
  }

  async setPriority(input: { taskId: string; priority: number }): Promise<null> {
    await setPriority(input.taskId, input.priority, this.#deps);
    return null;
  }

  async checkTask(input: { taskId: string; check: 'waiting' | 'customer-online' }): Promise<'yes' | 'no'> {
    if (input.check === 'waiting') return isWaiting(await readTask(input.taskId, this.#deps)) ? 'yes' : 'no';
    return (await this.#runtime.conversation.customerOnline(input.taskId)) ? 'yes' : 'no';
  }

  async cancelTask(input: { taskId: string; reason: string }): Promise<null> {
    const task = await readTask(input.taskId, this.#deps);
    if (isWaiting(task)) await endFromWorkflow(input.taskId, 'disconnected', this.#deps).then(() => setParameters(input.taskId, { cancelReason: input.reason }, this.#deps));
    return null;
  }

  /** Transfer: moves the task and returns the target service's workflow version to run next (none: queue it there). */
  async transfer(input: { taskId: string; serviceId: string }): Promise<{ workflowVersionId: string | null }> {
    await transferTask(input.taskId, input.serviceId, this.#deps);
    return { workflowVersionId: (await this.#runtime.currentVersionFor(input.serviceId)) ?? null };
  }

  async disconnect(input: { taskId: string; messageId: string; closingMessage?: string; handled: boolean }): Promise<null> {
    if (input.closingMessage) await this.postMessage({ taskId: input.taskId, messageId: input.messageId, text: input.closingMessage, visibility: 'ALL', kind: 'text' });
    if (input.handled) await markHandled(input.taskId, this.#deps);
    await endFromWorkflow(input.taskId, input.handled ? 'handled' : 'disconnected', this.#deps);
    return null;
  }

  async markHandled(input: { taskId: string }): Promise<null> {
    await markHandled(input.taskId, this.#deps);
    return null;
  }

  /** Web Request: templated method/URL/headers/body with a timeout; response fields saved to parameters. */
  async webRequest(input: { taskId: string; requestId: string; settings: Settings<'WebRequest'> }): Promise<'success' | 'failure'> {
    const { settings } = input;
    const task = await readTask(input.taskId, this.#deps);
    const headers: Record<string, string> = { 'idempotency-key': input.requestId };
    for (const [name, value] of Object.entries(settings.headers ?? {})) headers[name] = renderTemplate(value, task.parameters);
    if (settings.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.#runtime.fetch(renderUrlTemplate(settings.url, task.parameters), {
        method: settings.method,
        headers,
        ...(settings.body !== undefined && settings.method !== 'GET' ? { body: renderTemplate(settings.body, task.parameters) } : {}),
        signal: AbortSignal.timeout(settings.timeoutSeconds * 1000),
      });
    } catch {
      // Unreachable, refused or timed out: the workflow takes the failure exit.
      return 'failure';
    }
    const text = await response.text().catch(() => '');
    const values: Record<string, string> = { webRequestStatus: String(response.status) };
    if (response.ok && settings.saveResponse && settings.saveResponse.length > 0) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return 'failure';
      }
      for (const { field, parameter } of settings.saveResponse) {
        const value = field.split('.').reduce<unknown>((v, key) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined), json);
        if (value !== undefined && value !== null) values[parameter] = typeof value === 'object' ? JSON.stringify(value) : String(value);
      }
    }
    await setParameters(input.taskId, values, this.#deps);
    return response.ok ? 'success' : 'failure';
  }

  async fail(input: { taskId: string; reason: string }): Promise<null> {
    await failTask(input.taskId, input.reason, this.#deps);
    return null;
  }
}

