// Replay tests for devhost's Durable engine: the fixture app's orchestrations run through the real
// durable-functions SDK in-process, with a clock the tests advance, and the histories are checked.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ReplaySchema } from '../../../devhost/durable/actions';
import type { DurableEngine } from '../../../devhost/durable/engine';
import { EventType, type HistoryEvent } from '../../../devhost/durable/history';
import type { OrchestrationInstance } from '../../../devhost/durable/instance';
import { startEngine } from './support';

const dayMs = 24 * 60 * 60 * 1000;

function started(engine: DurableEngine, name: string, input?: unknown, instanceId?: string): string {
  const result = engine.startNew(name, { ...(input === undefined ? {} : { input: JSON.stringify(input) }), ...(instanceId === undefined ? {} : { instanceId }) });
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.instance.instanceId;
}

function instance(engine: DurableEngine, id: string): OrchestrationInstance {
  const inst = engine.store.get(id);
  assert.ok(inst, `instance ${id} exists`);
  return inst;
}

function output(engine: DurableEngine, id: string): unknown {
  const text = instance(engine, id).output;
  return text === undefined ? undefined : JSON.parse(text);
}

/** The history without replay bookkeeping, as `Type:id` (id = EventId, TaskScheduledId or TimerId). */
function shape(history: readonly HistoryEvent[]): string[] {
  return history
    .filter((e) => e.EventType !== EventType.OrchestratorStarted && e.EventType !== EventType.OrchestratorCompleted)
    .map((e) => {
      const name = EventType[e.EventType];
      if ('TaskScheduledId' in e) return `${name}:${e.TaskScheduledId}`;
      if (e.EventType === EventType.TimerFired) return `${name}:${e.TimerId}`;
      return e.EventId >= 0 ? `${name}:${e.EventId}` : name;
    });
}

describe('Durable engine replay', () => {
  it('chains activities, numbering each TaskScheduled as the SDK does', async () => {
    const { engine, clock } = await startEngine();
    const id = started(engine, 'chain', ['Tokyo', 'Seattle', 'London']);
    await clock.advance(0, engine);
    assert.equal(instance(engine, id).runtimeStatus, 'Completed');
    assert.deepEqual(output(engine, id), ['Hello Tokyo!', 'Hello Seattle!', 'Hello London!']);
    assert.deepEqual(shape(instance(engine, id).history), [
      'ExecutionStarted',
      'TaskScheduled:0',
      'TaskCompleted:0',
      'TaskScheduled:1',
      'TaskCompleted:1',
      'TaskScheduled:2',
      'TaskCompleted:2',
      'ExecutionCompleted',
    ]);
    const scheduled = instance(engine, id).history.find((e) => e.EventType === EventType.TaskScheduled);
    assert.equal(scheduled?.EventType === EventType.TaskScheduled ? scheduled.Input : undefined, '"Tokyo"', 'string inputs stay JSON-quoted in history');
  });

  for (const schema of [ReplaySchema.V1, ReplaySchema.V3]) {
    it(`fans out and in with replay schema ${ReplaySchema[schema]} (${schema === ReplaySchema.V1 ? 'flattened' : 'nested'} Task.all)`, async () => {
      const { engine, clock } = await startEngine({ upperSchemaVersion: schema });
      const id = started(engine, 'fanOut', 25);
      await clock.advance(0, engine);
      assert.equal(instance(engine, id).runtimeStatus, 'Completed');
      assert.equal(output(engine, id), 2 * ((24 * 25) / 2));
      const ids = instance(engine, id)
        .history.filter((e) => e.EventType === EventType.TaskScheduled)
        .map((e) => e.EventId);
      assert.deepEqual(ids, Array.from({ length: 25 }, (_, i) => i));
    });

    it(`races an activity against a timer with Task.any and cancels the timer (schema ${ReplaySchema[schema]})`, async () => {
      const { engine, clock } = await startEngine({ upperSchemaVersion: schema });
      const id = started(engine, 'anyOfTwo');
      await clock.advance(0, engine);
      assert.equal(instance(engine, id).runtimeStatus, 'Completed');
      assert.deepEqual(output(engine, id), { first: 'Hello Any!', second: 42 });
      assert.deepEqual(clock.pending(), [], 'the cancelled timer no longer waits');
      assert.deepEqual(instance(engine, id).cancelledTimers, [1]);
    });
  }

  it('retries an activity with backoff and succeeds on the third attempt', async () => {
    const { engine, clock } = await startEngine();
    const id = started(engine, 'retryActivity', { key: 'engine-third', succeedOn: 3, firstRetryMs: 1000 });
    await clock.advance(0, engine);
    assert.equal(instance(engine, id).runtimeStatus, 'Running');
    await clock.advance(999, engine);
    assert.equal(instance(engine, id).history.filter((e) => e.EventType === EventType.TaskScheduled).length, 1, 'no retry before the first interval');
    await clock.advance(1 + 2000, engine);
    assert.equal(instance(engine, id).runtimeStatus, 'Completed');
    assert.deepEqual(output(engine, id), { key: 'engine-third', attempts: 3 });
    const history = instance(engine, id).history;
    assert.deepEqual(shape(history), [
      'ExecutionStarted',
      'TaskScheduled:0',
      'TaskFailed:0',
      'TimerCreated:1',
      'TimerFired:1',
      'TaskScheduled:2',
      'TaskFailed:2',
      'TimerCreated:3',
      'TimerFired:3',
      'TaskScheduled:4',
      'TaskCompleted:4',
      'ExecutionCompleted',
    ]);
    const delays = history
      .filter((e) => e.EventType === EventType.TimerCreated)
      .map((e) => (e.EventType === EventType.TimerCreated ? Date.parse(e.FireAt) - Date.parse(e.Timestamp) : 0));
    assert.deepEqual(delays, [1000, 2000], 'backoffCoefficient 2 doubles the interval');
    const failed = history.find((e) => e.EventType === EventType.TaskFailed);
    assert.match(failed?.EventType === EventType.TaskFailed ? failed.Reason : '', /Activity function 'flaky' failed: flaky attempt 1 of engine-third failed/);
  });

  it('fails the orchestration with the activity failure once the retries are used up', async () => {
    const { engine, clock } = await startEngine();
    const id = started(engine, 'retryExhausted');
    await clock.advance(1000, engine);
    const inst = instance(engine, id);
    assert.equal(inst.runtimeStatus, 'Failed');
    assert.match(String(output(engine, id)), /^Orchestrator function 'retryExhausted' failed: gave up: Activity function 'alwaysFails' failed: the payment gateway said no/);
    assert.deepEqual(shape(inst.history), ['ExecutionStarted', 'TaskScheduled:0', 'TaskFailed:0', 'TimerCreated:1', 'TimerFired:1', 'TaskScheduled:2', 'TaskFailed:2', 'TimerCreated:3', 'TimerFired:3', 'ExecutionCompleted']);
    assert.equal(inst.failureDetails?.ErrorType, 'Error');
  });

  it('makes no attempt after the retry timeout and, as in Azure, leaves the orchestration waiting', async () => {
    const warnings: string[] = [];
    const { engine, clock, host } = await startEngine();
    const originalWarn = host.log.warn.bind(host.log);
    host.log.warn = (message: string): void => {
      warnings.push(message);
    };
    try {
      const id = started(engine, 'retryWithTimeout');
      await clock.advance(10_000, engine);
      const inst = instance(engine, id);
      assert.equal(inst.runtimeStatus, 'Running');
      assert.deepEqual(shape(inst.history), ['ExecutionStarted', 'TaskScheduled:0', 'TaskFailed:0', 'TimerCreated:1', 'TimerFired:1', 'TaskScheduled:2', 'TaskFailed:2', 'TimerCreated:3', 'TimerFired:3', 'TaskScheduled:4', 'TaskFailed:4']);
      assert.match(warnings.join('\n'), /retry timeout of 'alwaysFails' exceeded after 3 attempt\(s\)/);
    } finally {
      host.log.warn = originalWarn;
    }
  });

  it('splits a timer longer than maximumShortTimerDuration into 3-day sub-timers', async () => {
    const { engine, clock } = await startEngine();
    const start = clock.now().getTime();
    const id = started(engine, 'approval', { timeoutMs: 10 * dayMs });
    await clock.advance(0, engine);
    assert.deepEqual(clock.pending(), [new Date(start + 3 * dayMs).toISOString()]);
    await clock.advance(3 * dayMs, engine);
    assert.deepEqual(clock.pending(), [new Date(start + 6 * dayMs).toISOString()]);
    await clock.advance(3 * dayMs, engine);
    assert.deepEqual(clock.pending(), [new Date(start + 10 * dayMs).toISOString()], 'the last 4 days fit in one timer');
    assert.equal(instance(engine, id).runtimeStatus, 'Running');
    await clock.advance(4 * dayMs, engine);
    assert.equal(instance(engine, id).runtimeStatus, 'Completed');
    assert.deepEqual(output(engine, id), { approved: false });
    assert.equal(instance(engine, id).customStatus, '"escalated"');
    const timerIds = instance(engine, id)
      .history.filter((e) => e.EventType === EventType.TimerCreated)
      .map((e) => e.EventId);
    assert.deepEqual(timerIds, [0, 1, 2]);
  });

  it('lets an approval event win the race against its timer', async () => {
    const { engine, clock } = await startEngine();
    const id = started(engine, 'approval', { timeoutMs: 60_000 });
    await clock.advance(1000, engine);
    assert.equal(instance(engine, id).customStatus, '"waiting for approval"');
    assert.equal(engine.raiseEvent(id, 'Approval', JSON.stringify({ by: 'supervisor' })), 'accepted');
    await clock.advance(0, engine);
    assert.deepEqual(output(engine, id), { approved: true, by: 'supervisor' });
    assert.deepEqual(clock.pending(), []);
    assert.equal(engine.raiseEvent(id, 'Approval', '{}'), 'gone', 'a completed instance answers 410 Gone');
    assert.equal(engine.raiseEvent('no-such-instance', 'Approval', '{}'), 'notFound');
  });

  it('buffers events raised before the orchestration waits, several of one name in order', async () => {
    const { engine, clock } = await startEngine();
    const id = started(engine, 'collectItems', { count: 3 });
    for (const item of ['first', 'second', 'third']) assert.equal(engine.raiseEvent(id, 'Item', JSON.stringify(item)), 'accepted');
    await clock.advance(0, engine);
    assert.deepEqual(output(engine, id), ['first', 'second', 'third']);

    const gate = started(engine, 'gate', { delayMs: 30 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    engine.raiseEvent(gate, 'Go', JSON.stringify({ now: true }));
    await clock.advance(0, engine);
    assert.deepEqual(output(engine, gate), { go: { now: true } });
    const types = shape(instance(engine, gate).history);
    assert.ok(types.indexOf('EventRaised') < types.indexOf('TaskCompleted:0'), `the event arrived while the activity ran: ${types.join(' ')}`);
  });

  it('continues as new until the monitor is done, each execution with a fresh history', async () => {
    const { engine, clock } = await startEngine();
    const id = started(engine, 'monitor', { round: 0, intervalMs: 60_000, seen: [] });
    await clock.advance(0, engine);
    const firstExecution = instance(engine, id).executionId;
    await clock.advance(60_000, engine);
    assert.notEqual(instance(engine, id).executionId, firstExecution);
    await clock.advance(60_000, engine);
    assert.equal(instance(engine, id).runtimeStatus, 'Completed');
    assert.deepEqual(output(engine, id), { rounds: 3, history: [0, 1, 2] });
    const history = instance(engine, id).history;
    assert.deepEqual(shape(history), ['ExecutionStarted', 'TaskScheduled:0', 'TaskCompleted:0', 'ExecutionCompleted']);
    const startedEvent = history[1];
    assert.equal(startedEvent?.EventType === EventType.ExecutionStarted ? JSON.parse(startedEvent.Input ?? 'null').round : undefined, 2);
  });

  it('retries a sub-orchestration with an explicit instance id', async () => {
    const { engine, clock } = await startEngine();
    const id = started(engine, 'parentWithRetry', { key: 'engine-sub', succeedOn: 2 }, 'parent-1');
    await clock.advance(0, engine);
    assert.equal(instance(engine, 'parent-1-child').runtimeStatus, 'Failed', 'the first child run failed');
    await clock.advance(100, engine);
    assert.equal(instance(engine, id).runtimeStatus, 'Completed');
    assert.deepEqual(output(engine, id), { child: { child: 'parent-1-child', parent: 'parent-1', result: { key: 'engine-sub', attempts: 2 } } });
    assert.deepEqual(shape(instance(engine, id).history), [
      'ExecutionStarted',
      'SubOrchestrationInstanceCreated:0',
      'SubOrchestrationInstanceFailed:0',
      'TimerCreated:1',
      'TimerFired:1',
      'SubOrchestrationInstanceCreated:2',
      'SubOrchestrationInstanceCompleted:2',
      'ExecutionCompleted',
    ]);
  });

  it('fails the orchestration (not the task) when it calls a missing activity or reuses its own id, as the extension does', async () => {
    const { engine, clock } = await startEngine();
    const missing = started(engine, 'callsMissing', { kind: 'activity' });
    const ownId = started(engine, 'callsMissing', { kind: 'ownId' });
    const child = started(engine, 'callsMissing', { kind: 'child' });
    await clock.advance(0, engine);
    assert.equal(instance(engine, missing).runtimeStatus, 'Failed');
    assert.match(
      String(output(engine, missing)),
      /^Orchestrator function 'callsMissing' failed: The function 'noSuchActivity' doesn't exist, is disabled, or is not an activity function\. Additional info: The following are the known activity functions: '.*sayHello.*'\.$/,
    );
    assert.equal(output(engine, ownId), "Orchestrator function 'callsMissing' failed: The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration.");
    assert.equal(output(engine, child), 'no error');
    const created = instance(engine, child).history.find((e) => e.EventType === EventType.SubOrchestrationInstanceCreated);
    assert.equal(created?.EventType === EventType.SubOrchestrationInstanceCreated ? created.InstanceId : '', `${instance(engine, child).executionId}:0`, 'an unnamed child is named <parent execution id>:<sequence number>');
  });

  it('refuses to start an instance id that is running, and restarts a finished one', async () => {
    const { engine, clock } = await startEngine();
    started(engine, 'waitForever', undefined, 'single');
    const again = engine.startNew('waitForever', { instanceId: 'single' });
    assert.equal(again.ok, false);
    assert.equal(again.ok ? '' : again.reason, 'alreadyExists');
    assert.equal(engine.startNew('noSuchOrchestrator').ok, false);
    await clock.advance(0, engine);
    assert.equal(engine.terminate('single', 'stop'), 'accepted');
    assert.equal(instance(engine, 'single').runtimeStatus, 'Terminated');
    assert.equal(output(engine, 'single'), 'stop');
    assert.equal(engine.terminate('single', 'again'), 'gone');
    assert.equal(engine.startNew('chain', { instanceId: 'single', input: '["Again"]' }).ok, true);
    await clock.advance(0, engine);
    assert.deepEqual(output(engine, 'single'), ['Hello Again!']);
  });

  it('suspends and resumes, holding events while suspended', async () => {
    const { engine, clock } = await startEngine();
    const id = started(engine, 'collectItems', { count: 1 });
    await clock.advance(0, engine);
    assert.equal(engine.suspend(id, 'hold'), 'accepted');
    engine.raiseEvent(id, 'Item', '"held"');
    await clock.advance(0, engine);
    assert.equal(instance(engine, id).runtimeStatus, 'Suspended');
    assert.equal(engine.resume(id, 'go'), 'accepted');
    await clock.advance(0, engine);
    assert.equal(instance(engine, id).runtimeStatus, 'Completed');
    assert.deepEqual(output(engine, id), ['held']);
  });

  it('rewinds a failed instance: the failed activity runs again and the orchestration completes', async () => {
    const { engine, clock, host } = await startEngine();
    const id = started(engine, 'rewindable');
    await clock.advance(0, engine);
    assert.equal(instance(engine, id).runtimeStatus, 'Failed');
    assert.match(String(output(engine, id)), /step 2 is broken/);
    assert.equal(engine.rewind('no-such', 'x'), 'notFound');
    const fix = await host.invoke('fixRewindable', { trigger: {} });
    assert.equal(fix.error, undefined);
    assert.equal(engine.rewind(id, 'fixed the step'), 'accepted');
    await clock.advance(0, engine);
    assert.equal(instance(engine, id).runtimeStatus, 'Completed');
    assert.deepEqual(output(engine, id), ['step 1 ok', 'step 2 ok']);
    assert.ok(instance(engine, id).history.some((e) => e.EventType === EventType.GenericEvent && e.Data === 'Rewound: fixed the step'));
    assert.equal(engine.rewind(id, 'again'), 'notFailed');
  });

  it('rewinds an instance whose activity gave up after its retries', async () => {
    const { engine, clock, host } = await startEngine();
    const id = started(engine, 'rewindableRetry', 'rewind-retry');
    await clock.advance(1000, engine);
    assert.equal(instance(engine, id).runtimeStatus, 'Failed');
    assert.equal((await host.invoke('fixKey', { trigger: { string: '"rewind-retry"' } })).error, undefined);
    assert.equal(engine.rewind(id, 'key fixed'), 'accepted');
    await clock.advance(0, engine);
    assert.equal(instance(engine, id).runtimeStatus, 'Completed', String(instance(engine, id).output));
    assert.deepEqual(output(engine, id), ['step 1 ok', 'rewind-retry ok']);
    assert.deepEqual(shape(instance(engine, id).history), [
      'ExecutionStarted',
      'TaskScheduled:0',
      'TaskCompleted:0',
      'TaskScheduled:1',
      'TaskFailed:1',
      'TimerCreated:2',
      'TimerFired:2',
      'TaskScheduled:3',
      'GenericEvent',
      'GenericEvent',
      'TaskCompleted:3',
      'ExecutionCompleted',
    ]);
  });

  it('signals and calls a durable entity from an orchestration; a throwing operation fails only its call', async () => {
    const { engine, clock } = await startEngine();
    const id = started(engine, 'countTo', { key: 'engine', times: 3 });
    await clock.advance(0, engine);
    assert.equal(instance(engine, id).runtimeStatus, 'Completed', String(instance(engine, id).output));
    assert.deepEqual(output(engine, id), { value: 3, failure: 'failed' });
    assert.equal(engine.store.getEntity('@counter@engine')?.state, '3');
    const sent = instance(engine, id).history.filter((e) => e.EventType === EventType.EventSent).map((e) => e.EventId);
    assert.deepEqual(sent, [0, 1, 2, 3, 4], 'three signals and two calls, each with its sequence number');

    assert.equal(engine.entities.enqueue('counter', 'engine', { name: 'forward', signal: true, input: '"other"' }), true);
    await clock.advance(0, engine);
    assert.equal(engine.store.getEntity('@counter@other')?.state, '3', 'entity-to-entity signal');
    engine.entities.enqueue('counter', 'other', { name: 'delete', signal: true });
    await clock.advance(0, engine);
    assert.equal(engine.store.getEntity('@counter@other')?.exists, false);
    assert.equal(engine.entities.enqueue('noSuchEntity', 'x', { name: 'add', signal: true }), false);
  });

  it('serializes critical sections: two transfers over the same counters never both spend the balance', async () => {
    const { engine, clock } = await startEngine();
    engine.entities.enqueue('counter', 'bankA', { name: 'add', signal: true, input: '10' });
    await clock.advance(0, engine);
    const first = started(engine, 'transfer', { from: 'bankA', to: 'bankB', amount: 7 });
    const second = started(engine, 'transfer', { from: 'bankA', to: 'bankB', amount: 7 });
    await clock.advance(0, engine);
    const results = [output(engine, first), output(engine, second)] as { moved: number }[];
    assert.deepEqual(results.map((r) => r.moved).sort(), [0, 7], JSON.stringify(results));
    assert.equal(engine.store.getEntity('@counter@banka')?.state, undefined, 'entity ids keep the key as given');
    assert.equal(engine.store.getEntity('@counter@bankA')?.state, '3');
    assert.equal(engine.store.getEntity('@counter@bankB')?.state, '7');
    assert.equal(engine.entities.lockedBy('@counter@bankA'), undefined, 'released');
    const history = instance(engine, first).history;
    const release = history.filter((e) => e.EventType === EventType.EventSent && e.Name === 'release').map((e) => e.EventId);
    assert.equal(release.length, 2, 'one release message per locked entity, each with its own sequence number');
  });

  for (const schema of [ReplaySchema.V1, ReplaySchema.V4]) {
    it(`makes durable HTTP calls and follows 202 + Location (schema ${ReplaySchema[schema]})`, async () => {
      const seen: string[] = [];
      const server = createServer((req, res) => {
        seen.push(`${req.method ?? ''} ${req.url ?? ''} ${String(req.headers['x-test'])}`);
        if (req.url === '/orders') {
          res.writeHead(202, { Location: '/orders/42/status', 'Retry-After': '0' }).end();
        } else {
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ order: 42, state: 'shipped' }));
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { engine, clock } = await startEngine({ upperSchemaVersion: schema });
        const id = started(engine, 'httpCall', { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders` });
        await clock.advance(0, engine);
        await clock.advance(1000, engine);
        assert.equal(instance(engine, id).runtimeStatus, 'Completed', String(instance(engine, id).output));
        assert.deepEqual(output(engine, id), { statusCode: 200, content: { order: 42, state: 'shipped' } });
        assert.deepEqual(seen, ['POST /orders durable', 'GET /orders/42/status durable']);
        if (schema === ReplaySchema.V4) {
          assert.deepEqual(shape(instance(engine, id).history), ['ExecutionStarted', 'TaskScheduled:0', 'TaskCompleted:0', 'TimerCreated:1', 'TimerFired:1', 'TaskScheduled:2', 'TaskCompleted:2', 'ExecutionCompleted']);
        }
      } finally {
        server.close();
      }
    });
  }

  it('fails an instance whose replay no longer matches its history (non-determinism)', async () => {
    const { engine, clock } = await startEngine();
    const id = started(engine, 'gate', { delayMs: 1 });
    await clock.advance(0, engine);
    assert.equal(instance(engine, id).runtimeStatus, 'Running');
    // As if the orchestrator's code had called another activity when this instance started.
    const inst = instance(engine, id);
    const scheduled = inst.history.find((e) => e.EventType === EventType.TaskScheduled);
    assert.ok(scheduled?.EventType === EventType.TaskScheduled);
    scheduled.Name = 'oldStep';
    const record = inst.scheduled[0];
    assert.ok(record);
    record.name = 'oldStep';
    engine.raiseEvent(id, 'Go', 'true');
    await clock.advance(0, engine);
    assert.equal(inst.runtimeStatus, 'Failed');
    assert.equal(
      output(engine, id),
      "Non-Deterministic workflow detected: A previous execution of this orchestration scheduled an activity task with sequence ID 0 and name 'oldStep', but the current replay execution hasn't (yet?) scheduled this task. Was a change made to the orchestrator code after this instance had already started running?",
    );
    assert.equal(inst.failureDetails?.ErrorType, 'NonDeterministicOrchestrationException');
  });
});
