// The engine's protocol edges: a recorded history replayed through the real SDK at two schema
// versions, actions the SDK cannot produce today (preserved events), concurrency limits, retry
// delays and persistence across a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ActionType, flattenActions, parseOrchestratorState, ReplaySchema, type LeafAction } from '../../../devhost/durable/actions';
import { DurableEngine, formatTimeSpan, type EngineHost } from '../../../devhost/durable/engine';
import { EventType, type HistoryEvent } from '../../../devhost/durable/history';
import { nextRetryDelayMs } from '../../../devhost/durable/retry';
import { InstanceStore } from '../../../devhost/durable/store';
import type { InvocationInput, InvocationOutcome, RegisteredFunction } from '../../../devhost/host/extension';
import { durableAppDir, fixtureHost, ManualClock, startEngine } from './support';

interface Recorded {
  input: unknown;
  history: HistoryEvent[];
  lastCompletion: HistoryEvent;
}

function recorded(): Recorded {
  return JSON.parse(readFileSync(join(durableAppDir, 'histories', 'fanout-midway.json'), 'utf8')) as Recorded;
}

function payload(rec: Recorded, history: HistoryEvent[], schema: ReplaySchema): string {
  return JSON.stringify({
    history,
    input: rec.input,
    instanceId: 'recorded-fanout',
    isReplaying: true,
    parentInstanceId: '',
    upperSchemaVersion: schema,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '6.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  });
}

describe('Durable protocol', () => {
  it('replays a recorded fan-out history: V1 flattens Task.all, V3 nests it, both give the same leaves', async () => {
    const host = await fixtureHost();
    const rec = recorded();
    const leavesBySchema: LeafAction[][] = [];
    for (const schema of [ReplaySchema.V1, ReplaySchema.V3]) {
      const outcome = await host.invoke('fanOut', { trigger: { string: payload(rec, rec.history, schema) } });
      assert.equal(outcome.error, undefined);
      const state = parseOrchestratorState(outcome.returnValue?.json ?? '');
      assert.equal(state.isDone, false, 'one task is still open');
      const group = state.actions[0] as { actionType: number; compoundActions?: unknown[] }[];
      if (schema === ReplaySchema.V1) {
        assert.deepEqual(
          group.map((a) => a.actionType),
          [ActionType.CallActivity, ActionType.CallActivity, ActionType.CallActivity],
        );
      } else {
        assert.equal(group.length, 1);
        assert.equal(group[0]?.actionType, ActionType.WhenAll);
        assert.equal(group[0]?.compoundActions?.length, 3);
      }
      leavesBySchema.push(flattenActions(state.actions));
    }
    assert.deepEqual(leavesBySchema[0], leavesBySchema[1]);
    assert.deepEqual(
      leavesBySchema[0]?.map((l) => l.input),
      [0, 1, 2],
    );

    const done = await host.invoke('fanOut', { trigger: { string: payload(rec, [...rec.history, rec.lastCompletion], ReplaySchema.V3) } });
    const finalState = parseOrchestratorState(done.returnValue?.json ?? '');
    assert.equal(finalState.isDone, true);
    assert.equal(finalState.output, 6);
  });

  it('carries unprocessed events into the next execution only when continueAsNew asks to preserve them', async () => {
    for (const preserve of [true, false]) {
      const clock = new ManualClock();
      const seen: string[][] = [];
      // An orchestrator answering with hand-written states: durable-functions 3.x cannot ask for preservation.
      const host: EngineHost = {
        functions: [{ name: 'looper', bindings: {}, trigger: { name: 't', type: 'orchestrationTrigger', binding: {} } } satisfies RegisteredFunction],
        log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
        invoke: (_name: string, input: InvocationInput): Promise<InvocationOutcome> => {
          const { history, input: orchestrationInput } = JSON.parse(input.trigger.string ?? '{}') as { history: HistoryEvent[]; input: number };
          const names = history.flatMap((e) => (e.EventType === EventType.EventRaised ? [`${e.Name}=${e.Input ?? ''}`] : []));
          seen.push(names);
          // Execution 1 waits for A; once A and B are both in its history it continues as new.
          const wait = { actionType: ActionType.WaitForExternalEvent, externalEventName: 'A', reason: 'ExternalEvent' };
          const first = orchestrationInput === 1;
          const isDone = first ? names.length >= 2 : names.length > 0;
          const actions = first ? [isDone ? [wait, { actionType: ActionType.ContinueAsNew, input: 2, preserveUnprocessedEvents: preserve }] : [wait]] : [[]];
          const state = { isDone, actions, output: names, schemaVersion: ReplaySchema.V3 };
          return Promise.resolve({ invocationId: 'i', outputs: {}, returnValue: { json: JSON.stringify(state) } });
        },
      };
      const engine = new DurableEngine({ hubName: 'Hub', store: new InstanceStore(undefined, 'Hub'), clock });
      engine.start(host);
      const result = engine.startNew('looper', { instanceId: 'loop', input: '1' });
      assert.ok(result.ok);
      engine.raiseEvent('loop', 'A', '"consumed"');
      engine.raiseEvent('loop', 'B', '"unprocessed"');
      await clock.advance(0, engine);
      const inst = engine.store.get('loop');
      if (preserve) {
        assert.equal(inst?.runtimeStatus, 'Completed');
        assert.deepEqual(JSON.parse(inst?.output ?? 'null'), ['B="unprocessed"']);
      } else {
        assert.equal(inst?.runtimeStatus, 'Running', 'the second execution waits: the unprocessed event was dropped');
        assert.deepEqual(seen.at(-1), []);
      }
    }
  });

  it('keeps to maxConcurrentActivityFunctions and runs one episode per instance at a time', async () => {
    const host = await fixtureHost();
    let activities = 0;
    let maxActivities = 0;
    const episodes = new Map<string, number>();
    let maxEpisodesPerInstance = 0;
    let maxEpisodes = 0;
    let runningEpisodes = 0;
    const counting: EngineHost = {
      functions: host.functions,
      log: host.log,
      invoke: async (name, input) => {
        const isOrchestrator = host.functions.find((f) => f.name === name)?.trigger.type === 'orchestrationTrigger';
        if (!isOrchestrator) {
          activities++;
          maxActivities = Math.max(maxActivities, activities);
          await new Promise((resolve) => setTimeout(resolve, 2));
          try {
            return await host.invoke(name, input);
          } finally {
            activities--;
          }
        }
        const id = (JSON.parse(input.trigger.string ?? '{}') as { instanceId: string }).instanceId;
        episodes.set(id, (episodes.get(id) ?? 0) + 1);
        runningEpisodes++;
        maxEpisodes = Math.max(maxEpisodes, runningEpisodes);
        maxEpisodesPerInstance = Math.max(maxEpisodesPerInstance, episodes.get(id) ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 1));
        try {
          return await host.invoke(name, input);
        } finally {
          runningEpisodes--;
          episodes.set(id, (episodes.get(id) ?? 1) - 1);
        }
      },
    };
    const clock = new ManualClock();
    const engine = new DurableEngine({ hubName: 'Hub', store: new InstanceStore(undefined, 'Hub'), clock, maxConcurrentActivityFunctions: 3, maxConcurrentOrchestratorFunctions: 2 });
    engine.start(counting);
    const ids = Array.from({ length: 6 }, (_, i) => {
      const r = engine.startNew('fanOut', { input: '8', instanceId: `fan-${i}` });
      assert.ok(r.ok);
      return r.instance.instanceId;
    });
    await clock.advance(0, engine);
    for (const id of ids) assert.equal(engine.store.get(id)?.output, '56');
    assert.equal(maxActivities, 3);
    assert.equal(maxEpisodes, 2);
    assert.equal(maxEpisodesPerInstance, 1);
  });

  it('turns a host fault during an activity into a task failure instead of a hang', async () => {
    const host = await fixtureHost();
    const faulty: EngineHost = {
      functions: host.functions,
      log: host.log,
      invoke: (name, input) => (name === 'sayHello' ? Promise.reject(new Error('worker channel closed')) : host.invoke(name, input)),
    };
    const clock = new ManualClock();
    const engine = new DurableEngine({ hubName: 'Hub', store: new InstanceStore(undefined, 'Hub'), clock });
    engine.start(faulty);
    const result = engine.startNew('chain', { instanceId: 'faulty', input: '["X"]' });
    assert.ok(result.ok);
    await clock.advance(0, engine);
    assert.equal(engine.store.get('faulty')?.runtimeStatus, 'Failed');
    assert.match(engine.store.get('faulty')?.output ?? '', /Activity function 'sayHello' failed: worker channel closed/);
  });

  it('computes retry delays as DTFx does: backoff, cap, and no retry after the timeout', () => {
    const first = new Date('2026-01-01T00:00:00Z');
    const options = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 5, backoffCoefficient: 3, maxRetryIntervalInMilliseconds: 5000, retryTimeoutInMilliseconds: 10_000 };
    assert.equal(nextRetryDelayMs(options, 1, first, first), 1000);
    assert.equal(nextRetryDelayMs(options, 2, first, first), 3000);
    assert.equal(nextRetryDelayMs(options, 3, first, first), 5000, 'capped by maxRetryInterval');
    assert.equal(nextRetryDelayMs(options, 2, first, new Date(first.getTime() + 10_000)), undefined, 'past the retry timeout');
    assert.equal(nextRetryDelayMs({ firstRetryIntervalInMilliseconds: 250, maxNumberOfAttempts: 2 }, 4, first, first), 250, 'coefficient defaults to 1');
    assert.equal(formatTimeSpan(6 * 24 * 3600 * 1000), '6.00:00:00');
    assert.equal(formatTimeSpan(90 * 1000), '00:01:30');
  });

  it('persists instances and histories and picks unfinished ones up after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'durable-store-'));
    try {
      const store = new InstanceStore(dataDir, 'PersistHub');
      await store.load();
      const { engine, clock } = await startEngine({ store });
      engine.startNew('chain', { instanceId: 'done', input: '["Disk"]' });
      engine.startNew('collectItems', { instanceId: 'waiting', input: '{"count":2}' });
      await clock.advance(0, engine);
      engine.raiseEvent('waiting', 'Item', '"before restart"');
      await clock.advance(0, engine);
      await engine.stop();
      const historyBefore = store.get('waiting')?.history.length;

      const reloaded = new InstanceStore(dataDir, 'PersistHub');
      await reloaded.load();
      assert.equal(reloaded.get('done')?.runtimeStatus, 'Completed');
      assert.equal(reloaded.get('done')?.output, '["Hello Disk!"]');
      assert.deepEqual(reloaded.get('done')?.history, store.get('done')?.history);
      assert.equal(reloaded.get('waiting')?.history.length, historyBefore);
      const lines = readFileSync(join(dataDir, 'persisthub.jsonl'), 'utf8').trim().split('\n');
      assert.equal(lines.length, 2, 'the log is compacted to one line per instance on load');

      const { engine: second, clock: secondClock } = await startEngine({ store: reloaded });
      assert.equal(second.raiseEvent('waiting', 'Item', '"after restart"'), 'accepted');
      await secondClock.advance(0, second);
      assert.deepEqual(JSON.parse(reloaded.get('waiting')?.output ?? 'null'), ['before restart', 'after restart']);
      await second.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
