// Workflow validation: every refusal names its JSON pointer and activity, and valid graphs pass.
// Runs the whole check (the edge's shape parsing, then the domain's rules), as the admin API does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateWorkflow } from '../../../../src/api/workflowSchemas';
import { maxTimerSeconds, unsupportedForIm } from '../../../../src/domain/workflow/model';
import { workflowRuleIssues, type WorkflowIssue } from '../../../../src/domain/workflow/validate';

type Json = Record<string, unknown>;
interface NodeJson {
  id: string;
  settings: Json;
  exits?: Record<string, string>;
}

/** A small valid support workflow; each test breaks one thing in a fresh copy. */
function base(): { name: string; modality: string; start: string; nodes: NodeJson[] } {
  return {
    name: 'Support chat',
    modality: 'IM',
    start: 'greet',
    nodes: [
      { id: 'greet', settings: { type: 'Message', text: 'Hello {{customerName}}', visibility: 'ALL', messageType: 'text' }, exits: { next: 'hours' } },
      { id: 'hours', settings: { type: 'CheckOpeningHours', calendarId: 'office' }, exits: { open: 'position', closed: 'closed', holiday: 'closed' } },
      { id: 'position', settings: { type: 'GetQueuePosition', postToChat: true, template: 'You are number {{queuePosition}}' }, exits: { next: 'queue' } },
      { id: 'queue', settings: { type: 'QueueTask', timeoutSeconds: 600 }, exits: { timeout: 'sorry', queueFull: 'sorry' } },
      { id: 'sorry', settings: { type: 'Message', text: 'Nobody is free.', visibility: 'ALL', messageType: 'text' }, exits: { next: 'bye' } },
      { id: 'closed', settings: { type: 'Message', text: 'We are closed.', visibility: 'ALL', messageType: 'text' }, exits: { next: 'bye' } },
      { id: 'bye', settings: { type: 'Disconnect', closingMessage: 'Goodbye' } },
    ],
  };
}

function node(def: ReturnType<typeof base>, id: string): NodeJson {
  const found = def.nodes.find((n) => n.id === id);
  assert.ok(found, id);
  return found;
}

function issuesOf(definition: unknown): readonly WorkflowIssue[] {
  const result = validateWorkflow(definition);
  assert.equal(result.ok, false, `accepted ${JSON.stringify(definition)}`);
  return result.ok ? [] : result.issues;
}

/** Asserts the definition is refused with exactly this one issue. */
function refused(definition: unknown, pointer: string, message: RegExp, activity?: string): void {
  const issues = issuesOf(definition);
  assert.equal(issues.length, 1, JSON.stringify(issues, null, 1));
  const [issue] = issues;
  assert.equal(issue?.pointer, pointer, JSON.stringify(issue));
  assert.match(issue?.message ?? '', message);
  assert.equal(issue?.activity, activity);
}

/** Replaces a node's settings (keeping its exits) in a copy of the base workflow. */
function withSettings(id: string, settings: Json, exits?: Record<string, string>): ReturnType<typeof base> {
  const def = base();
  const n = node(def, id);
  n.settings = settings;
  if (exits) n.exits = exits;
  return def;
}

/** Asserts the definition is refused with this issue among others (for faults that cascade, e.g. into unreachable nodes). */
function refusedAmong(definition: unknown, pointer: string, message: RegExp, activity?: string): void {
  const issues = issuesOf(definition);
  assert.ok(
    issues.some((i) => i.pointer === pointer && message.test(i.message) && i.activity === activity),
    `no issue ${pointer} ${String(message)} in ${JSON.stringify(issues, null, 1)}`,
  );
}

function accepted(definition: unknown): void {
  const result = validateWorkflow(definition);
  assert.ok(result.ok, JSON.stringify(result.ok ? undefined : result.issues, null, 1));
}

/** One node of every IM activity, wired into one valid graph. */
function everyActivity(): ReturnType<typeof base> {
  const msg = { type: 'Message', text: 'x', visibility: 'INT', nickname: 'Bot', messageType: 'notice' };
  return {
    name: 'Everything',
    modality: 'IM',
    start: 'accept',
    nodes: [
      { id: 'accept', settings: { type: 'Accept' }, exits: { next: 'msg' } },
      { id: 'msg', settings: msg, exits: { next: 'push' } },
      { id: 'push', settings: { type: 'Notice', kind: 'push-url', url: 'https://{{tenant}}.contoso.example/orders/{{orderId}}?lang={{lang}}', text: 'Your order' }, exits: { next: 'custom' } },
      { id: 'custom', settings: { type: 'Notice', kind: 'custom', text: 'typing-off' }, exits: { next: 'ask' } },
      { id: 'ask', settings: { type: 'CollectInformation', prompt: 'Order number?', parameter: 'orderId', timeoutSeconds: 120 }, exits: { next: 'menu', timeout: 'bye' } },
      {
        id: 'menu',
        settings: { type: 'InputCustomer', prompt: '1 billing, 2 tech', options: [{ key: '1', label: 'Billing', exit: 'billing' }, { key: '2', label: 'Tech', exit: 'tech' }, { key: 'b', label: 'Billing too', exit: 'billing' }], retries: 2, timeoutSeconds: 60 },
        exits: { billing: 'wait', tech: 'save', noMatch: 'menu', timeout: 'bye' },
      },
      { id: 'wait', settings: { type: 'Delay', seconds: maxTimerSeconds }, exits: { next: 'save' } },
      { id: 'save', settings: { type: 'SaveToParameter', parameter: 'topic', value: '{{ orderId }}' }, exits: { next: 'check' } },
      {
        id: 'check',
        settings: {
          type: 'CheckParameter',
          conditions: [
            { parameter: 'orderId', operator: 'matches', value: '^[0-9]{6}$', exit: 'valid' },
            { parameter: 'tier', operator: 'exists', exit: 'vip' },
            { parameter: 'score', operator: 'greaterThan', value: '2.5', exit: 'vip' },
          ],
        },
        exits: { valid: 'hours', vip: 'hours', else: 'hours' },
      },
      { id: 'hours', settings: { type: 'CheckOpeningHours', calendarId: 'office' }, exits: { open: 'abr', closed: 'cancel', holiday: 'cancel' } },
      { id: 'abr', settings: { type: 'AvailabilityBasedRouting', measure: 'available', threshold: 1 }, exits: { atOrAbove: 'users', below: 'transfer' } },
      { id: 'users', settings: { type: 'GetAvailableUsers', onDutyParameter: 'onDuty', availableParameter: 'available' }, exits: { next: 'pos' } },
      { id: 'pos', settings: { type: 'GetQueuePosition', postToChat: false, positionThreshold: 10, waitThresholdSeconds: 600 }, exits: { within: 'prio', beyond: 'web' } },
      { id: 'prio', settings: { type: 'DistributionPriority', priority: 100 }, exits: { next: 'queue' } },
      { id: 'queue', settings: { type: 'QueueTask', timeoutSeconds: 1 }, exits: { connected: 'handled', timeout: 'task', queueFull: 'web' } },
      { id: 'task', settings: { type: 'CheckTask', check: 'customer-online' }, exits: { yes: 'queue', no: 'handledBye' } },
      {
        id: 'web',
        settings: { type: 'WebRequest', method: 'POST', url: 'http://localhost:8080/hook', headers: { 'X-Api-Key': '{{key}}' }, body: '{"order":"{{orderId}}"}', timeoutSeconds: 300, saveResponse: [{ field: 'customer.tier', parameter: 'tier' }] },
        exits: { success: 'bye', failure: 'cancel' },
      },
      { id: 'handled', settings: { type: 'MarkAsHandled' }, exits: { next: 'handledBye' } },
      { id: 'handledBye', settings: { type: 'DisconnectAsHandled' } },
      { id: 'transfer', settings: { type: 'Transfer', serviceId: 'sales' } },
      { id: 'cancel', settings: { type: 'CancelTask', reason: 'closed' } },
      { id: 'bye', settings: { type: 'Disconnect' } },
    ],
  };
}

describe('validateWorkflow: accepts', () => {
  it('a small support workflow, returning it typed', () => {
    const result = validateWorkflow(base());
    assert.ok(result.ok);
    assert.equal(result.workflow.nodes.length, 7);
    assert.deepEqual(result.workflow.nodes[6]?.exits, {}, 'omitted exits are none');
  });

  it('every IM activity, with every exit kind, and cycles that wait (Input Customer retry, Check Task around Queue Task)', () => {
    accepted(everyActivity());
  });

  it('a workflow that leaves QueueTask.connected unwired (the workflow ends at connection)', () => {
    const def = base();
    assert.equal(node(def, 'queue').exits?.['connected'], undefined);
    accepted(def);
  });

  it('timers at both edges', () => {
    accepted(withSettings('queue', { type: 'QueueTask', timeoutSeconds: 1 }));
    accepted(withSettings('queue', { type: 'QueueTask', timeoutSeconds: maxTimerSeconds }));
  });
});

describe('validateWorkflow: refuses activities and fields it does not know', () => {
  for (const type of unsupportedForIm) {
    it(`"${type}", as not supported for IM`, () => {
      refused(withSettings('greet', { type }), '/nodes/0/settings/type', new RegExp(`^node "greet": "${type}" is not supported for IM workflows$`), 'greet');
    });
  }

  it('an unknown activity type, and a node without one', () => {
    refused(withSettings('position', { type: 'Teleport' }), '/nodes/2/settings/type', /^node "position": unknown activity type "Teleport" \(IM workflows support Accept, Message, Notice, .*Disconnect/, 'position');
    refused(withSettings('position', {}), '/nodes/2/settings/type', /settings\.type is required/, 'position');
  });

  it('unknown fields at every level, each by its own pointer', () => {
    refused({ ...base(), owner: 'me' }, '/owner', /unknown field "owner"/);
    const onNode = base();
    (onNode.nodes[1] as unknown as Json)['colour'] = 'red';
    refused(onNode, '/nodes/1/colour', /^CheckOpeningHours "hours": unknown field "colour"$/, 'hours');
    refused(withSettings('queue', { type: 'QueueTask', timeoutSeconds: 60, pickup: true }), '/nodes/3/settings/pickup', /^QueueTask "queue": unknown field "pickup"$/, 'queue');
    const option = everyActivity();
    (node(option, 'menu').settings['options'] as Json[])[1] = { key: '2', label: 'Tech', exit: 'tech', hotkey: 'F2' };
    refused(option, '/nodes/5/settings/options/1/hotkey', /^InputCustomer "menu": unknown field "hotkey"$/, 'menu');
    const save = everyActivity();
    node(save, 'web').settings['saveResponse'] = [{ field: 'a', parameter: 'b', default: 'c' }];
    refused(save, '/nodes/16/settings/saveResponse/0/default', /unknown field "default"/, 'web');
    refused(withSettings('greet', { type: 'Accept', text: 'hi' }), '/nodes/0/settings/text', /^Accept "greet": unknown field "text"$/, 'greet');
  });

  it('wrong field types and enum values, and a modality other than IM', () => {
    refused(withSettings('queue', { type: 'QueueTask', timeoutSeconds: '60' }), '/nodes/3/settings/timeoutSeconds', /^QueueTask "queue": .*expected number/, 'queue');
    refused(withSettings('greet', { type: 'Message', text: 'hi', visibility: 'PUBLIC', messageType: 'text' }), '/nodes/0/settings/visibility', /^Message "greet": /, 'greet');
    refused(withSettings('greet', { type: 'Notice', kind: 'banner', text: 'x' }), '/nodes/0/settings/kind', /kind must be "push-url" or "custom"/, 'greet');
    refused({ ...base(), modality: 'Voice' }, '/modality', /modality must be "IM"/);
    refused({ ...base(), nodes: 'greet' }, '/nodes', /expected array/);
  });
});

describe('validateWorkflow: refuses graphs the interpreter could not run to an end', () => {
  it('a missing exit (only QueueTask.connected may be left out)', () => {
    const def = base();
    delete node(def, 'queue').exits?.['timeout'];
    refused(def, '/nodes/3/exits/timeout', /^QueueTask "queue": exit "timeout" leads nowhere/, 'queue');
    const hours = base();
    node(hours, 'hours').exits = { open: 'position', closed: 'closed' };
    refused(hours, '/nodes/1/exits/holiday', /exit "holiday" leads nowhere/, 'hours');
  });

  it('an exit the activity does not have, and any exit on a node that ends the workflow', () => {
    const def = base();
    node(def, 'greet').exits = { next: 'hours', timeout: 'bye' };
    refused(def, '/nodes/0/exits/timeout', /^Message "greet": has no exit "timeout" \(its exits: next\)$/, 'greet');
    const terminal = base();
    node(terminal, 'bye').exits = { next: 'greet' };
    refused(terminal, '/nodes/6/exits/next', /^Disconnect "bye": ends the workflow and has no exits/, 'bye');
    const thresholds = base();
    node(thresholds, 'position').settings['positionThreshold'] = 5;
    const issues = issuesOf(thresholds).map((i) => i.pointer).filter((p) => p.includes('/exits/'));
    assert.deepEqual(issues.sort(), ['/nodes/2/exits/beyond', '/nodes/2/exits/next', '/nodes/2/exits/within'], 'a threshold turns next into within/beyond');
  });

  it('an exit that leads to no node', () => {
    const def = base();
    node(def, 'sorry').exits = { next: 'goodbye' };
    refused(def, '/nodes/4/exits/next', /^Message "sorry": exit "next" leads to "goodbye", which is not a node of this workflow$/, 'sorry');
  });

  it('duplicate node ids and malformed ones', () => {
    const def = base();
    node(def, 'closed').id = 'sorry';
    refusedAmong(def, '/nodes/5/id', /^Message "sorry": node id "sorry" is also the id of \/nodes\/4$/, 'sorry');
    const bad = base();
    bad.nodes.push({ id: 'has space', settings: { type: 'Accept' }, exits: { next: 'bye' } });
    node(bad, 'sorry').exits = { next: 'has space' };
    refused(bad, '/nodes/7/id', /node ids use letters/, 'has space');
  });

  it('a start that names no node', () => {
    refused({ ...base(), start: 'hello' }, '/start', /^start "hello" is not a node of this workflow$/);
  });

  it('a node not reachable from the start', () => {
    const def = base();
    def.nodes.push({ id: 'orphan', settings: { type: 'Accept' }, exits: { next: 'bye' } });
    refused(def, '/nodes/7', /^Accept "orphan": is not reachable from the start "greet"$/, 'orphan');
  });

  it('a cycle that never waits, naming the loop; a self-loop too', () => {
    const def = base();
    node(def, 'sorry').exits = { next: 'greet' };
    accepted(def); // greet -> hours -> position -> queue -> sorry -> greet waits in the queue
    const two = base();
    node(two, 'closed').exits = { next: 'hours' };
    refused(two, '/nodes/1', /^CheckOpeningHours "hours": is on a cycle that never waits \(hours -> closed -> hours\): put a Delay/, 'hours');
    const self = { ...base(), nodes: [{ id: 'greet', settings: { type: 'SaveToParameter', parameter: 'n', value: 'x' }, exits: { next: 'greet' } }] };
    refused(self, '/nodes/0', /is on a cycle that never waits \(greet -> greet\)/, 'greet');
  });

  it('accepts the same loops once they pass a waiting node', () => {
    const def = base();
    def.nodes.push({ id: 'pause', settings: { type: 'Delay', seconds: 30 }, exits: { next: 'hours' } });
    node(def, 'closed').exits = { next: 'pause' };
    accepted(def);
  });
});

describe('validateWorkflow: refuses bad values, naming the activity', () => {
  it('timers below 1 second, above 6 days or fractional', () => {
    for (const seconds of [0, -5, maxTimerSeconds + 1, 1.5]) {
      refused(withSettings('greet', { type: 'Delay', seconds }), '/nodes/0/settings/seconds', /^Delay "greet": seconds must be a whole number of seconds from 1 to 518400 \(6 days\)/, 'greet');
    }
    refused(withSettings('queue', { type: 'QueueTask', timeoutSeconds: maxTimerSeconds + 1 }), '/nodes/3/settings/timeoutSeconds', /timeoutSeconds must be a whole number of seconds from 1 to 518400/, 'queue');
    refused(
      withSettings('greet', { type: 'CollectInformation', prompt: 'Name?', parameter: 'name', timeoutSeconds: 0 }, { next: 'hours', timeout: 'bye' }),
      '/nodes/0/settings/timeoutSeconds',
      /^CollectInformation "greet": timeoutSeconds must be/,
      'greet',
    );
    const menu = everyActivity();
    node(menu, 'menu').settings['timeoutSeconds'] = 7 * 24 * 3600;
    refused(menu, '/nodes/5/settings/timeoutSeconds', /^InputCustomer "menu": timeoutSeconds/, 'menu');
    const wait = base();
    node(wait, 'position').settings = { type: 'GetQueuePosition', postToChat: false, waitThresholdSeconds: 0 };
    node(wait, 'position').exits = { within: 'queue', beyond: 'queue' };
    refused(wait, '/nodes/2/settings/waitThresholdSeconds', /waitThresholdSeconds must be/, 'position');
    const web = everyActivity();
    node(web, 'web').settings['timeoutSeconds'] = 301;
    refused(web, '/nodes/16/settings/timeoutSeconds', /^WebRequest "web": timeoutSeconds must be a whole number of seconds from 1 to 300/, 'web');
  });

  it('a Notice push URL that is not an http(s) URL once its {{parameters}} are filled', () => {
    const push = (url: string) => withSettings('greet', { type: 'Notice', kind: 'push-url', url });
    refused(push('ftp://files.contoso.example/a'), '/nodes/0/settings/url', /^Notice "greet": url must start with http:\/\/ or https:\/\/$/, 'greet');
    refused(push('{{baseUrl}}/orders'), '/nodes/0/settings/url', /url must start with http:\/\/ or https:\/\//, 'greet');
    refused(push('www.contoso.example'), '/nodes/0/settings/url', /must start with http/, 'greet');
    refused(push('https://contoso example/'), '/nodes/0/settings/url', /url is not a valid URL/, 'greet');
    refused(push('https://user:pw@contoso.example/'), '/nodes/0/settings/url', /credentials/, 'greet');
    refused(push('https://contoso.example/{{order id}}'), '/nodes/0/settings/url', /"\{\{order id\}\}" does not name a parameter/, 'greet');
    accepted(push('https://contoso.example/track?order={{orderId}}'));
  });

  it('a Web Request URL likewise, a GET with a body and a bad header name', () => {
    const web = (changes: Json) => {
      const def = everyActivity();
      Object.assign(node(def, 'web').settings, changes);
      return def;
    };
    refused(web({ url: 'javascript:alert(1)' }), '/nodes/16/settings/url', /^WebRequest "web": url must start with http/, 'web');
    refused(web({ url: 'https://' }), '/nodes/16/settings/url', /url is not a valid URL/, 'web');
    refused(web({ method: 'GET' }), '/nodes/16/settings/body', /a GET request has no body/, 'web');
    refused(web({ headers: { 'Bad Header': 'x' } }), '/nodes/16/settings/headers/Bad Header', /"Bad Header" is not a valid HTTP header name/, 'web');
    refused(web({ saveResponse: [{ field: 'a..b', parameter: 'tier' }] }), '/nodes/16/settings/saveResponse/0/field', /is not a dot path/, 'web');
  });

  it('invalid parameter names, in parameter fields and in templates', () => {
    refused(
      withSettings('greet', { type: 'CollectInformation', prompt: 'Name?', parameter: '1st', timeoutSeconds: 60 }, { next: 'hours', timeout: 'bye' }),
      '/nodes/0/settings/parameter',
      /^CollectInformation "greet": "1st" is not a valid parameter name/,
      'greet',
    );
    refused(withSettings('greet', { type: 'SaveToParameter', parameter: 'a b', value: 'x' }), '/nodes/0/settings/parameter', /"a b" is not a valid parameter name/, 'greet');
    refused(withSettings('greet', { type: 'GetAvailableUsers', onDutyParameter: 'ok', availableParameter: '' }), '/nodes/0/settings/availableParameter', /"" is not a valid parameter name/, 'greet');
    refused(withSettings('greet', { type: 'Message', text: 'Hi {{first name}}', visibility: 'ALL', messageType: 'text' }), '/nodes/0/settings/text', /^Message "greet": text "\{\{first name\}\}" does not name a parameter/, 'greet');
    refused(withSettings('greet', { type: 'Message', text: 'Hi {{name', visibility: 'ALL', messageType: 'text' }), '/nodes/0/settings/text', /has a "\{\{" without its closing/, 'greet');
    const check = everyActivity();
    (node(check, 'check').settings['conditions'] as Json[])[1] = { parameter: 'tier!', operator: 'exists', exit: 'vip' };
    refused(check, '/nodes/8/settings/conditions/1/parameter', /"tier!" is not a valid parameter name/, 'check');
  });

  it('Input Customer: duplicate option keys (ignoring case and spaces), retries outside 0..5, no options, a reserved exit', () => {
    const menu = (changes: Json) => {
      const def = everyActivity();
      Object.assign(node(def, 'menu').settings, changes);
      return def;
    };
    refused(
      menu({ options: [{ key: 'A', label: 'a', exit: 'billing' }, { key: ' a ', label: 'b', exit: 'tech' }] }),
      '/nodes/5/settings/options/1/key',
      /^InputCustomer "menu": option key " a " is also the key of option 0$/,
      'menu',
    );
    for (const retries of [6, -1, 2.5]) refused(menu({ retries }), '/nodes/5/settings/retries', /retries must be a whole number from 0 to 5/, 'menu');
    const none = everyActivity();
    node(none, 'menu').settings['options'] = [];
    node(none, 'menu').exits = { noMatch: 'menu', timeout: 'bye' };
    // Without options the billing/tech nodes lose their only way in.
    const pointers = issuesOf(none).map((i) => i.pointer);
    assert.ok(pointers.includes('/nodes/5/settings/options'), pointers.join());
    refusedAmong(menu({ options: [{ key: '1', label: 'x', exit: 'timeout' }] }), '/nodes/5/settings/options/0/exit', /exit "timeout" is reserved/, 'menu');
  });

  it("Check Parameter: an invalid 'matches' regex, a non-number to compare, values missing or extra, an 'else' condition", () => {
    const condition = (c: Json) => {
      const def = everyActivity();
      (node(def, 'check').settings['conditions'] as Json[])[0] = { parameter: 'orderId', exit: 'valid', ...c };
      return def;
    };
    refused(condition({ operator: 'matches', value: '([0-9]+' }), '/nodes/8/settings/conditions/0/value', /^CheckParameter "check": "\(\[0-9\]\+" is not a valid regular expression/, 'check');
    refused(condition({ operator: 'lessThan', value: 'ten' }), '/nodes/8/settings/conditions/0/value', /compares numbers: "ten" is not a number/, 'check');
    refused(condition({ operator: 'equals' }), '/nodes/8/settings/conditions/0/value', /operator "equals" needs a value/, 'check');
    refused(condition({ operator: 'notExists', value: 'x' }), '/nodes/8/settings/conditions/0/value', /operator "notExists" takes no value/, 'check');
    refused(condition({ operator: 'like', value: 'x' }), '/nodes/8/settings/conditions/0/operator', /^CheckParameter "check": /, 'check');
    const elseCondition = everyActivity();
    (node(elseCondition, 'check').settings['conditions'] as Json[])[0] = { parameter: 'orderId', operator: 'exists', exit: 'else' };
    node(elseCondition, 'check').exits = { vip: 'hours', else: 'hours' };
    refused(elseCondition, '/nodes/8/settings/conditions/0/exit', /exit "else" is reserved/, 'check');
  });

  it('ids of calendars and services that cannot exist, priorities out of range, empty texts, stray templates', () => {
    refused(withSettings('hours', { type: 'CheckOpeningHours', calendarId: 'office hours' }), '/nodes/1/settings/calendarId', /^CheckOpeningHours "hours": /, 'hours');
    refused(withSettings('bye', { type: 'Transfer', serviceId: '../sales' }), '/nodes/6/settings/serviceId', /^Transfer "bye": /, 'bye');
    refused(withSettings('greet', { type: 'DistributionPriority', priority: 101 }), '/nodes/0/settings/priority', /priority must be a whole number from 0 to 100/, 'greet');
    refused(withSettings('greet', { type: 'Message', text: '  ', visibility: 'ALL', messageType: 'text' }), '/nodes/0/settings/text', /text must not be empty/, 'greet');
    refused(withSettings('position', { type: 'GetQueuePosition', postToChat: false, template: '{{queuePosition}}' }), '/nodes/2/settings/template', /template is only used with postToChat: true/, 'position');
    refused(withSettings('bye', { type: 'CancelTask', reason: '' }), '/nodes/6/settings/reason', /reason must not be empty/, 'bye');
    refused({ ...base(), name: '' }, '/name', /name must be 1 to 200 characters/);
  });

  it('reports every issue at once, not only the first', () => {
    const def = base();
    node(def, 'greet').exits = { next: 'nowhere' };
    node(def, 'queue').settings['timeoutSeconds'] = 0;
    const pointers = issuesOf(def).map((i) => i.pointer);
    assert.ok(pointers.includes('/nodes/0/exits/next') && pointers.includes('/nodes/3/settings/timeoutSeconds'), pointers.join());
  });

  it('the domain rules alone find nothing in a valid workflow', () => {
    const result = validateWorkflow(everyActivity());
    assert.ok(result.ok);
    assert.deepEqual(workflowRuleIssues(result.workflow), []);
  });
});
