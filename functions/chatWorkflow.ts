// The chat workflow: one Durable orchestration per chat task (instanceId = taskId) interpreting the
// service's IM workflow version node by node. Deterministic: time from currentUtcDateTime, waits
// from createTimer and external events, every side effect in a keyed activity, no message text in
// the history (activities take and return ids), and continueAsNew every few dozen nodes.
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, RegisteredActivity, Task } from 'durable-functions';
import { switchboard } from '../src/app/switchboard';
import type { NodeSettings, WorkflowNode, WorkflowVersion } from '../src/domain/workflow/model';
import { chatEvents, chatWorkflowName, type ChatWorkflowInput, type CustomerMessageEvent } from '../src/workflow/contract';
import { NodeActivities } from '../src/workflow/nodeActivities';

/** Nodes run per execution before it continues as new, so a long wait never grows one history. */
const nodesPerExecution = 50;

let activities: NodeActivities | undefined;
const runtime = (): NodeActivities => (activities ??= new NodeActivities(switchboard().workflowRuntime));

type ActivityName = {
  [K in keyof NodeActivities]: NodeActivities[K] extends (input: never) => Promise<unknown> ? K : never;
}[keyof NodeActivities];

function register(name: ActivityName): RegisteredActivity {
  return df.app.activity(`workflow-${name}`, {
    handler: (input: unknown) => (runtime()[name] as (input: unknown) => Promise<unknown>)(input),
  });
}

const names: ActivityName[] = [
  'loadWorkflow',
  'postMessage',
  'pushUrlNotice',
  'accept',
  'saveReply',
  'matchOption',
  'saveParameter',
  'checkParameter',
  'checkOpeningHours',
  'availability',
  'getAvailableUsers',
  'queuePosition',
  'queueTask',
  'taskState',
  'setPriority',
  'checkTask',
  'cancelTask',
  'transfer',
  'disconnect',
  'markHandled',
  'webRequest',
  'fail',
];
const registered = new Map(names.map((name) => [name, register(name)]));

const retry = new df.RetryOptions(500, 3);
retry.backoffCoefficient = 2;

/** The outcome of a node: an exit to follow, or the end of the workflow. */
type NodeResult = { exit: string } | { end: string } | { transfer: { serviceId: string; workflowVersionId: string | null } };

/** Events that end any wait: the chat reached an agent, or it is over. */
const endingEvents = [chatEvents.taskConnected, chatEvents.taskEnded, chatEvents.customerLeft] as const;

const chatWorkflow: OrchestrationHandler = function* (context: OrchestrationContext): Generator<Task, string, unknown> {
  const input = context.df.getInput<ChatWorkflowInput>();
  const taskId = input.taskId;
  let sequence = input.sequence ?? 0;
  // Message ids and request keys derive from the instance and a counter the history replays.
  const nextKey = (): string => `${taskId}.wf-${++sequence}`;

  function* call<T>(name: ActivityName, activityInput: unknown): Generator<Task, T, unknown> {
    const activity = registered.get(name);
    if (!activity) throw new Error(`no activity ${name}`);
    return (yield activity(activityInput).withRetry(retry)) as T;
  }

  // One waiter per event name for the whole execution, replaced only once consumed: an event that
  // arrives while an activity runs completes the open waiter and is seen by the next wait, instead
  // of going to a waiter an earlier wait left behind (the SDK hands events to the newest waiter).
  const waiters = new Map<string, Task>();
  const waiter = (name: string): Task => {
    let task = waiters.get(name);
    if (task === undefined) {
      task = context.df.waitForExternalEvent(name);
      waiters.set(name, task);
    }
    return task;
  };

  /** Waits until `until` for one of `events`, and always for the chat ending. */
  function* waitFor(until: Date, events: readonly string[]): Generator<Task, { event: string; payload: unknown } | { event: 'timeout' }, unknown> {
    const timer = context.df.createTimer(until);
    const all = [...events, ...endingEvents];
    const waits = all.map(waiter);
    const winner = (yield context.df.Task.any([timer, ...waits])) as Task;
    if (winner === timer) return { event: 'timeout' };
    timer.cancel();
    const name = all[waits.indexOf(winner)] ?? 'unknown';
    waiters.delete(name);
    return { event: name, payload: winner.result };
  }

  const after = (seconds: number): Date => new Date(context.df.currentUtcDateTime.getTime() + seconds * 1000);
  const ended = (event: string): NodeResult => ({ end: event === chatEvents.taskConnected ? 'connected' : event === chatEvents.customerLeft ? 'customer left' : 'task ended' });

  /**
   * Waits for the customer's reply to a prompt posted at `since`, until `deadline`. `accept` judges
   * a message (an activity); a message from before the prompt is no reply and the wait goes on.
   */
  function* reply<T>(deadline: Date, accept: (messageId: string | undefined) => Generator<Task, T | 'early', unknown>): Generator<Task, { answer: T } | { end: NodeResult }, unknown> {
    for (;;) {
      const waited = yield* waitFor(deadline, [chatEvents.customerMessage]);
      if (waited.event === 'timeout') {
        // A reply whose event was missed is looked up by time (never 'early': it is since the prompt).
        return { answer: (yield* accept(undefined)) as T };
      }
      if (waited.event !== chatEvents.customerMessage || !('payload' in waited)) return { end: ended(waited.event) };
      const judged = yield* accept((waited.payload as CustomerMessageEvent).messageId);
      if (judged !== 'early') return { answer: judged };
    }
  }

  function* runNode(node: WorkflowNode): Generator<Task, NodeResult, unknown> {
    const s: NodeSettings = node.settings;
    const now = context.df.currentUtcDateTime.toISOString();
    switch (s.type) {
      case 'Accept':
        yield* call('accept', { taskId, at: now });
        return { exit: 'next' };
      case 'Message':
        yield* call('postMessage', { taskId, messageId: nextKey(), text: s.text, visibility: s.visibility, nickname: s.nickname, kind: s.messageType });
        return { exit: 'next' };
      case 'Notice':
        if (s.kind === 'push-url') yield* call('pushUrlNotice', { taskId, messageId: nextKey(), url: s.url, text: s.text });
        else yield* call('postMessage', { taskId, messageId: nextKey(), text: s.text, visibility: 'ALL', kind: 'notice' });
        return { exit: 'next' };
      case 'CollectInformation': {
        yield* call('postMessage', { taskId, messageId: nextKey(), text: s.prompt, visibility: 'ALL', kind: 'text' });
        const since = now;
        const answered = yield* reply(after(s.timeoutSeconds), function* (messageId) {
          return yield* call<'saved' | 'early' | 'none'>('saveReply', { taskId, parameter: s.parameter, since, ...(messageId ? { messageId } : {}) });
        });
        if ('end' in answered) return answered.end;
        return { exit: answered.answer === 'saved' ? 'next' : 'timeout' };
      }
      case 'InputCustomer': {
        const menu = `${s.prompt}\n${s.options.map((o, i) => `${i + 1}. ${o.label}`).join('\n')}`;
        for (let attempt = 0; attempt <= s.retries; attempt++) {
          const since = context.df.currentUtcDateTime.toISOString();
          yield* call('postMessage', { taskId, messageId: nextKey(), text: attempt === 0 ? menu : `Sorry, please choose one of the options.\n${menu}`, visibility: 'ALL', kind: 'text' });
          let timedOut = false;
          const answered = yield* reply(after(s.timeoutSeconds), function* (messageId) {
            if (messageId === undefined) timedOut = true;
            return yield* call<{ exit: string | null } | 'early'>('matchOption', { taskId, options: s.options, since, ...(messageId ? { messageId } : {}) });
          });
          if ('end' in answered) return answered.end;
          const choice = answered.answer;
          if (choice.exit) return { exit: choice.exit };
          if (timedOut) return { exit: 'timeout' };
        }
        return { exit: 'noMatch' };
      }
      case 'Delay': {
        const waited = yield* waitFor(after(s.seconds), []);
        return waited.event === 'timeout' ? { exit: 'next' } : ended(waited.event);
      }
      case 'SaveToParameter':
        yield* call('saveParameter', { taskId, parameter: s.parameter, value: s.value });
        return { exit: 'next' };
      case 'CheckParameter':
        return { exit: yield* call<string>('checkParameter', { taskId, conditions: s.conditions }) };
      case 'CheckOpeningHours':
        return { exit: yield* call<string>('checkOpeningHours', { calendarId: s.calendarId, at: now }) };
      case 'AvailabilityBasedRouting':
        return { exit: yield* call<string>('availability', { taskId, measure: s.measure, threshold: s.threshold }) };
      case 'GetAvailableUsers':
        yield* call('getAvailableUsers', { taskId, onDutyParameter: s.onDutyParameter, availableParameter: s.availableParameter });
        return { exit: 'next' };
      case 'GetQueuePosition': {
        const exit = yield* call<string>('queuePosition', { taskId, messageId: nextKey(), settings: s });
        return exit === 'connected' || exit === 'ended' ? { end: exit === 'connected' ? 'connected' : 'task ended' } : { exit };
      }
      case 'QueueTask': {
        const outcome = yield* call<string>('queueTask', { taskId });
        if (outcome === 'queueFull') return { exit: 'queueFull' };
        if (outcome === 'connected') return { exit: 'connected' };
        if (outcome === 'ended') return { end: 'task ended' };
        const waited = yield* waitFor(after(s.timeoutSeconds), []);
        if (waited.event === chatEvents.taskConnected) return { exit: 'connected' };
        if (waited.event !== 'timeout') return ended(waited.event);
        // An event can be missed across continueAsNew: the task itself says whether it got through.
        const state = yield* call<string>('taskState', { taskId });
        if (state === 'connected' || state === 'wrap-up') return { exit: 'connected' };
        return state === 'queued' || state === 'offered' ? { exit: 'timeout' } : { end: 'task ended' };
      }
      case 'DistributionPriority':
        yield* call('setPriority', { taskId, priority: s.priority });
        return { exit: 'next' };
      case 'CheckTask':
        return { exit: yield* call<string>('checkTask', { taskId, check: s.check }) };
      case 'CancelTask':
        yield* call('cancelTask', { taskId, reason: s.reason });
        return { end: 'cancelled' };
      case 'Transfer':
        return { transfer: { serviceId: s.serviceId, workflowVersionId: (yield* call<{ workflowVersionId: string | null }>('transfer', { taskId, serviceId: s.serviceId })).workflowVersionId } };
      case 'WebRequest':
        return { exit: yield* call<string>('webRequest', { taskId, requestId: nextKey(), settings: s }) };
      case 'Disconnect':
        yield* call('disconnect', { taskId, messageId: nextKey(), closingMessage: s.closingMessage, handled: false });
        return { end: 'disconnected' };
      case 'MarkAsHandled':
        yield* call('markHandled', { taskId });
        return { exit: 'next' };
      case 'DisconnectAsHandled':
        yield* call('disconnect', { taskId, messageId: nextKey(), closingMessage: s.closingMessage, handled: true });
        return { end: 'handled' };
    }
  }

  try {
    const workflow = yield* call<WorkflowVersion>('loadWorkflow', { versionId: input.workflowVersionId });
    const nodes = new Map(workflow.nodes.map((n) => [n.id, n]));
    let nodeId = input.resumeAt ?? workflow.start;
    for (let step = 0; ; step++) {
      if (step >= nodesPerExecution) {
        context.df.continueAsNew({ ...input, resumeAt: nodeId, sequence } satisfies ChatWorkflowInput);
        return 'continued';
      }
      const node = nodes.get(nodeId);
      if (!node) throw new Error(`workflow ${workflow.id} has no node "${nodeId}"`);
      context.df.setCustomStatus({ nodeId, type: node.settings.type });
      const result = yield* runNode(node);
      if ('end' in result) return result.end;
      if ('transfer' in result) {
        const { serviceId, workflowVersionId } = result.transfer;
        if (workflowVersionId) {
          // The target service's workflow runs in the same instance: the task keeps its id and call flow.
          context.df.continueAsNew({ taskId, serviceId, workflowVersionId, sequence } satisfies ChatWorkflowInput);
          return 'transferred';
        }
        // The target service has no workflow: the task waits in its queue, or fails if it cannot.
        const outcome = yield* call<string>('queueTask', { taskId });
        if (outcome === 'queueFull') {
          yield* call('fail', { taskId, reason: `transfer target ${serviceId} has a full queue` });
          return 'failed';
        }
        return 'transferred';
      }
      const next = node.exits[result.exit];
      if (next === undefined) return result.exit === 'connected' ? 'connected' : `ended at ${node.id}.${result.exit}`;
      nodeId = next;
    }
  } catch (err) {
    // Activities already retried: the task must not be left stuck, so it ends as failed with the reason.
    const reason = err instanceof Error ? err.message : String(err);
    yield* call('fail', { taskId, reason: reason.slice(0, 500) });
    return 'failed';
  }
};

df.app.orchestration(chatWorkflowName, chatWorkflow);
