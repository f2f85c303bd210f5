// Replay test: the chat workflow orchestrator, loaded through the real @azure/functions and
// durable-functions libraries, replays a recorded history (test/fixtures/histories, recorded from a
// real run by test/support/recordChatWorkflowHistory.ts) and must schedule exactly what the history
// says it scheduled, with the same inputs, in the same order. Any non-deterministic change to the
// orchestrator (a different activity, order, input, key or timer) fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ActionType, flattenActions, ReplaySchema, type LeafAction } from '../../devhost/durable/actions';
import { formatTimeSpan } from '../../devhost/durable/engine';
import { EventType, type HistoryEvent } from '../../devhost/durable/history';
import type { HostExtension } from '../../devhost/host/extension';
import { FunctionHost } from '../../devhost/host/functionHost';
import { ConsoleLogger } from '../../devhost/host/logger';
import { applyToEnvironment, loadHostSettings } from '../../devhost/host/settings';
import { repoRoot } from '../support/devhost';
import { historyFixture } from '../support/recordChatWorkflowHistory';

interface Recorded {
  instanceId: string;
  input: string;
  runtimeStatus: string;
  history: HistoryEvent[];
}

/** Claims every binding type the app uses: the test invokes the orchestrator itself and runs no activity. */
const claimAll: HostExtension = {
  name: 'replay-test-bindings',
  triggerTypes: ['serviceBusTrigger', 'orchestrationTrigger', 'activityTrigger', 'entityTrigger', 'eventGridTrigger', 'timerTrigger'],
  inputBindings: { durableClient: () => ({ string: '{}' }) },
  outputBindings: { serviceBus: async () => undefined },
  start: async () => undefined,
  stop: async () => undefined,
};

/** What the history says was scheduled, in order: activities with their inputs, and timers. */
function scheduledInHistory(history: readonly HistoryEvent[]): string[] {
  return history.flatMap((e) => {
    if (e.EventType === EventType.TaskScheduled) return [`activity ${e.Name} ${e.Input ?? ''}`];
    if (e.EventType === EventType.TimerCreated) return [`timer ${e.FireAt}`];
    return [];
  });
}

/** What the orchestrator asked for, in the same terms. */
function scheduledByActions(leaves: readonly LeafAction[]): string[] {
  return leaves.flatMap((a) => {
    if (a.actionType === ActionType.CallActivity || a.actionType === ActionType.CallActivityWithRetry) {
      return [`activity ${a.functionName ?? ''} ${typeof a.input === 'string' ? a.input : JSON.stringify(a.input)}`];
    }
    if (a.actionType === ActionType.CreateTimer) return [`timer ${a.fireAt ?? ''}`];
    return [];
  });
}

describe('chat workflow replay', () => {
  let host: FunctionHost;
  const recorded = JSON.parse(readFileSync(historyFixture, 'utf8')) as Recorded;

  before(async () => {
    const settings = loadHostSettings(repoRoot, { settingsFile: `${repoRoot}/local.settings.sample.json`, port: 0 });
    applyToEnvironment(settings);
    host = new FunctionHost(settings, [claimAll], new ConsoleLogger('Warning'));
    await host.load();
  });
  after(async () => host.stop());

  async function replay(history: readonly HistoryEvent[]): Promise<{ isDone: boolean; output: unknown; leaves: LeafAction[]; error?: string }> {
    const payload = {
      history,
      input: JSON.parse(recorded.input) as unknown,
      instanceId: recorded.instanceId,
      isReplaying: true,
      upperSchemaVersion: ReplaySchema.V2,
      upperSchemaVersionNew: ReplaySchema.V4,
      longRunningTimerIntervalDuration: formatTimeSpan(3 * 24 * 3600 * 1000),
      maximumShortTimerDuration: formatTimeSpan(6 * 24 * 3600 * 1000),
    };
    const outcome = await host.invoke('chatWorkflow', { trigger: { string: JSON.stringify(payload) } });
    assert.equal(outcome.error, undefined, outcome.error?.message);
    const state = JSON.parse(outcome.returnValue?.json ?? 'null') as { isDone: boolean; output: unknown; actions: unknown[]; error?: string };
    return { isDone: state.isDone, output: state.output, leaves: flattenActions(state.actions), ...(state.error ? { error: state.error } : {}) };
  }

  it('the recorded run covers prompts, a reply, the queue loop with timers, and the customer leaving', () => {
    const scheduled = scheduledInHistory(recorded.history);
    assert.equal(recorded.runtimeStatus, 'Completed');
    assert.ok(scheduled.length >= 15, `${scheduled.length} scheduled steps`);
    for (const name of ['loadWorkflow', 'postMessage', 'saveReply', 'checkParameter', 'saveParameter', 'queueTask', 'queuePosition', 'taskState']) {
      assert.ok(scheduled.some((s) => s.startsWith(`activity workflow-${name} `)), `the recording calls ${name}`);
    }
    assert.ok(scheduled.some((s) => s.startsWith('timer ')));
    assert.ok(recorded.history.some((e) => e.EventType === EventType.EventRaised && e.Name === 'customerMessage'));
    assert.ok(recorded.history.some((e) => e.EventType === EventType.EventRaised && e.Name === 'customerLeft'));
  });

  it('replays the whole recorded history to the same end, scheduling exactly what was recorded', async () => {
    const result = await replay(recorded.history);
    assert.equal(result.error, undefined);
    assert.equal(result.isDone, true);
    assert.equal(result.output, 'customer left');
    assert.deepEqual(scheduledByActions(result.leaves), scheduledInHistory(recorded.history));
  });

  it('replays every prefix of the history deterministically (each episode as the engine ran it)', async () => {
    const starts = recorded.history.flatMap((e, i) => (e.EventType === EventType.OrchestratorStarted && i > 0 ? [i] : []));
    for (const end of starts) {
      const prefix = recorded.history.slice(0, end);
      const result = await replay(prefix);
      const expected = scheduledInHistory(prefix);
      assert.deepEqual(scheduledByActions(result.leaves).slice(0, expected.length), expected, `episode ending at event ${end}`);
    }
  });
});
