// The rules an IM workflow must follow beyond its JSON shape (which the API edge parses): values in
// range, templates and URLs well formed, every exit wired, every node reachable, no cycle that
// spins without waiting. A service only ever runs a workflow that passed these.
import { exitsOf, maxTimerSeconds, optionalExits, terminalTypes, waitingTypes, type NodeSettings, type WorkflowDefinition, type WorkflowNode } from './model';

export interface WorkflowIssue {
  /** RFC 6901 pointer into the submitted definition, e.g. `/nodes/3/settings/url`. */
  readonly pointer: string;
  /** The id of the node the issue is about, when it is about one. */
  readonly activity?: string;
  readonly message: string;
}

export type WorkflowValidation = { readonly ok: true; readonly workflow: WorkflowDefinition } | { readonly ok: false; readonly issues: readonly WorkflowIssue[] };

export const maxNodes = 500;
/** Web requests run inside one activity call, which must end well within the Functions timeout. */
export const maxWebRequestTimeoutSeconds = 300;
export const maxInputRetries = 5;

const nodeIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Exit names are chosen by admins for Input Customer options and Check Parameter conditions. */
const exitNamePattern = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
/** Task parameter names, as `{{name}}` templates spell them. */
const parameterNamePattern = /^[A-Za-z_][\w.-]{0,63}$/;
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const templateDelimiters = /\{\{(.*?)\}\}/g;

/** How messages name an activity: its type and id, e.g. `Notice "push-offer"`. */
export function activityLabel(id: string, type?: string): string {
  return `${type ?? 'node'} "${id}"`;
}

function escapeSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

function pointerOf(...segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${escapeSegment(s)}`).join('');
}

/** The parameter names a template reads, or why it is malformed. */
export function templateProblem(template: string): string | undefined {
  for (const match of template.matchAll(templateDelimiters)) {
    const name = (match[1] ?? '').trim();
    if (!parameterNamePattern.test(name)) return `"{{${match[1] ?? ''}}}" does not name a parameter (letters, digits, "_", "." and "-", starting with a letter or "_")`;
  }
  if (template.replace(templateDelimiters, '').includes('{{')) return 'has a "{{" without its closing "}}"';
  return undefined;
}

/**
 * Why a URL template cannot produce an http(s) URL, or undefined. Placeholders may stand in the
 * path, query or a host label, but the scheme must be written out so the target is not a parameter.
 */
export function urlTemplateProblem(template: string): string | undefined {
  const problem = templateProblem(template);
  if (problem) return problem;
  if (!/^https?:\/\//i.test(template)) return 'must start with http:// or https://';
  let url: URL;
  try {
    url = new URL(template.replace(templateDelimiters, 'x'));
  } catch {
    return 'is not a valid URL (with its {{parameters}} filled in)';
  }
  if (url.hostname === '') return 'has no host';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials (use a header)';
  return undefined;
}

function regexProblem(pattern: string): string | undefined {
  try {
    // Compiled as the interpreter compiles it (no flags).
    new RegExp(pattern);
    return undefined;
  } catch (err) {
    return `is not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Collects issues for one node; every message starts with the activity's label. */
class NodeIssues {
  readonly #issues: WorkflowIssue[];
  readonly #index: number;
  readonly #node: WorkflowNode;

  constructor(issues: WorkflowIssue[], index: number, node: WorkflowNode) {
    this.#issues = issues;
    this.#index = index;
    this.#node = node;
  }

  add(path: readonly (string | number)[], message: string): void {
    this.#issues.push({ pointer: pointerOf('nodes', this.#index, ...path), activity: this.#node.id, message: `${activityLabel(this.#node.id, this.#node.settings.type)}: ${message}` });
  }

  timer(field: string, seconds: number, max = maxTimerSeconds): void {
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > max) {
      this.add(['settings', field], `${field} must be a whole number of seconds from 1 to ${max}${max === maxTimerSeconds ? ' (6 days)' : ''}, not ${seconds}`);
    }
  }

  integer(path: readonly (string | number)[], value: number, min: number, max: number): void {
    if (!Number.isInteger(value) || value < min || value > max) this.add(path, `${path.join('.')} must be a whole number from ${min} to ${max}, not ${value}`);
  }

  text(path: readonly (string | number)[], value: string, options: { max: number; template?: boolean; required?: boolean }): void {
    const name = path.filter((p) => typeof p === 'string' && p !== 'settings').join('.');
    if ((options.required ?? true) && value.trim() === '') this.add(path, `${name} must not be empty`);
    else if (value.length > options.max) this.add(path, `${name} must be at most ${options.max} characters`);
    if (options.template) {
      const problem = templateProblem(value);
      if (problem) this.add(path, `${name} ${problem}`);
    }
  }

  parameter(path: readonly (string | number)[], name: string): void {
    if (!parameterNamePattern.test(name)) this.add(path, `"${name}" is not a valid parameter name (letters, digits, "_", "." and "-", starting with a letter or "_", at most 64)`);
  }

  exitName(path: readonly (string | number)[], name: string, reserved: readonly string[]): void {
    if (!exitNamePattern.test(name)) this.add(path, `"${name}" is not a valid exit name (a letter, then letters, digits, "_" or "-", at most 32)`);
    else if (reserved.includes(name)) this.add(path, `exit "${name}" is reserved for the activity's own ${name} exit`);
  }

  url(field: string, template: string): void {
    const problem = urlTemplateProblem(template);
    if (problem) this.add(['settings', field], `${field} ${problem}`);
  }
}

function checkSettings(at: NodeIssues, settings: NodeSettings): void {
  switch (settings.type) {
    case 'Accept':
    case 'MarkAsHandled':
      return;
    case 'Message':
      at.text(['settings', 'text'], settings.text, { max: 4000, template: true });
      if (settings.nickname !== undefined) at.text(['settings', 'nickname'], settings.nickname, { max: 64 });
      return;
    case 'Notice':
      if (settings.kind === 'push-url') {
        at.url('url', settings.url);
        if (settings.text !== undefined) at.text(['settings', 'text'], settings.text, { max: 4000, template: true, required: false });
      } else {
        at.text(['settings', 'text'], settings.text, { max: 4000, template: true });
      }
      return;
    case 'CollectInformation':
      at.text(['settings', 'prompt'], settings.prompt, { max: 4000, template: true });
      at.parameter(['settings', 'parameter'], settings.parameter);
      at.timer('timeoutSeconds', settings.timeoutSeconds);
      return;
    case 'InputCustomer': {
      at.text(['settings', 'prompt'], settings.prompt, { max: 4000, template: true });
      at.integer(['settings', 'retries'], settings.retries, 0, maxInputRetries);
      at.timer('timeoutSeconds', settings.timeoutSeconds);
      if (settings.options.length === 0) at.add(['settings', 'options'], 'options must offer the customer at least one choice');
      if (settings.options.length > 20) at.add(['settings', 'options'], 'options must be at most 20');
      const keys = new Map<string, number>();
      settings.options.forEach((option, i) => {
        // Customers type keys in any case and with stray spaces; the interpreter compares them so.
        const key = option.key.trim().toLowerCase();
        if (key === '' || option.key.length > 20) at.add(['settings', 'options', i, 'key'], 'options.key must be 1 to 20 characters');
        const first = keys.get(key);
        if (first !== undefined) at.add(['settings', 'options', i, 'key'], `option key "${option.key}" is also the key of option ${first}`);
        else keys.set(key, i);
        at.text(['settings', 'options', i, 'label'], option.label, { max: 200 });
        at.exitName(['settings', 'options', i, 'exit'], option.exit, ['noMatch', 'timeout']);
      });
      return;
    }
    case 'Delay':
      at.timer('seconds', settings.seconds);
      return;
    case 'SaveToParameter':
      at.parameter(['settings', 'parameter'], settings.parameter);
      at.text(['settings', 'value'], settings.value, { max: 4000, template: true, required: false });
      return;
    case 'CheckParameter':
      if (settings.conditions.length === 0) at.add(['settings', 'conditions'], 'conditions must have at least one condition (else is the exit when none holds)');
      settings.conditions.forEach((condition, i) => {
        const path = ['settings', 'conditions', i];
        at.parameter([...path, 'parameter'], condition.parameter);
        at.exitName([...path, 'exit'], condition.exit, ['else']);
        const needsValue = condition.operator !== 'exists' && condition.operator !== 'notExists';
        if (needsValue && condition.value === undefined) at.add([...path, 'value'], `operator "${condition.operator}" needs a value`);
        if (!needsValue && condition.value !== undefined) at.add([...path, 'value'], `operator "${condition.operator}" takes no value`);
        if (condition.value === undefined) return;
        if (condition.value.length > 1000) at.add([...path, 'value'], 'value must be at most 1000 characters');
        if ((condition.operator === 'greaterThan' || condition.operator === 'lessThan') && (condition.value.trim() === '' || !Number.isFinite(Number(condition.value)))) {
          at.add([...path, 'value'], `operator "${condition.operator}" compares numbers: "${condition.value}" is not a number`);
        }
        if (condition.operator === 'matches') {
          const problem = regexProblem(condition.value);
          if (problem) at.add([...path, 'value'], `"${condition.value}" ${problem}`);
        }
      });
      return;
    case 'CheckOpeningHours':
      // Whether the calendar exists is the admin use case's question: this module does no I/O.
      if (!nodeIdPattern.test(settings.calendarId)) at.add(['settings', 'calendarId'], `"${settings.calendarId}" is not a calendar id`);
      return;
    case 'AvailabilityBasedRouting':
      at.integer(['settings', 'threshold'], settings.threshold, 0, 10_000);
      return;
    case 'GetAvailableUsers':
      at.parameter(['settings', 'onDutyParameter'], settings.onDutyParameter);
      at.parameter(['settings', 'availableParameter'], settings.availableParameter);
      return;
    case 'GetQueuePosition':
      if (settings.template !== undefined) {
        if (!settings.postToChat) at.add(['settings', 'template'], 'template is only used with postToChat: true');
        at.text(['settings', 'template'], settings.template, { max: 4000, template: true });
      }
      if (settings.positionThreshold !== undefined) at.integer(['settings', 'positionThreshold'], settings.positionThreshold, 1, 100_000);
      if (settings.waitThresholdSeconds !== undefined) at.timer('waitThresholdSeconds', settings.waitThresholdSeconds);
      return;
    case 'QueueTask':
      at.timer('timeoutSeconds', settings.timeoutSeconds);
      return;
    case 'DistributionPriority':
      at.integer(['settings', 'priority'], settings.priority, 0, 100);
      return;
    case 'CheckTask':
      return;
    case 'CancelTask':
      at.text(['settings', 'reason'], settings.reason, { max: 200 });
      return;
    case 'Transfer':
      // Whether the service exists and takes IM is the admin use case's question.
      if (!nodeIdPattern.test(settings.serviceId)) at.add(['settings', 'serviceId'], `"${settings.serviceId}" is not a service id`);
      return;
    case 'WebRequest':
      at.url('url', settings.url);
      at.timer('timeoutSeconds', settings.timeoutSeconds, maxWebRequestTimeoutSeconds);
      for (const [name, value] of Object.entries(settings.headers ?? {})) {
        if (!headerNamePattern.test(name)) at.add(['settings', 'headers', name], `"${name}" is not a valid HTTP header name`);
        at.text(['settings', 'headers', name], value, { max: 4000, template: true, required: false });
      }
      if (settings.body !== undefined) {
        if (settings.method === 'GET') at.add(['settings', 'body'], 'a GET request has no body');
        at.text(['settings', 'body'], settings.body, { max: 16_000, template: true, required: false });
      }
      (settings.saveResponse ?? []).forEach((save, i) => {
        if (!/^[^.\s]+(\.[^.\s]+)*$/.test(save.field)) at.add(['settings', 'saveResponse', i, 'field'], `"${save.field}" is not a dot path into the response JSON (e.g. customer.tier)`);
        at.parameter(['settings', 'saveResponse', i, 'parameter'], save.parameter);
      });
      return;
    case 'Disconnect':
    case 'DisconnectAsHandled':
      if (settings.closingMessage !== undefined) at.text(['settings', 'closingMessage'], settings.closingMessage, { max: 4000, template: true });
      return;
  }
}

function checkExits(at: NodeIssues, node: WorkflowNode, ids: ReadonlySet<string>): void {
  const expected = exitsOf(node.settings);
  const optional = optionalExits[node.settings.type] ?? [];
  for (const exit of expected) {
    if (node.exits[exit] === undefined && !optional.includes(exit)) at.add(['exits', exit], `exit "${exit}" leads nowhere: wire it to a node`);
  }
  for (const [exit, target] of Object.entries(node.exits)) {
    if (!expected.includes(exit)) {
      at.add(['exits', exit], terminalTypes.includes(node.settings.type) ? `ends the workflow and has no exits, not "${exit}"` : `has no exit "${exit}" (its exits: ${expected.join(', ')})`);
    } else if (!ids.has(target)) {
      at.add(['exits', exit], `exit "${exit}" leads to "${target}", which is not a node of this workflow`);
    }
  }
}

/** The wired exits that lead to existing nodes, per node id. */
function successors(nodes: readonly WorkflowNode[], ids: ReadonlySet<string>): Map<string, string[]> {
  const next = new Map<string, string[]>();
  for (const node of nodes) {
    const expected = exitsOf(node.settings);
    next.set(
      node.id,
      Object.entries(node.exits)
        .filter(([exit, target]) => expected.includes(exit) && ids.has(target))
        .map(([, target]) => target),
    );
  }
  return next;
}

/**
 * Strongly connected components of the non-waiting nodes (Tarjan): a component with more than one
 * node, or one node leading to itself, is a cycle the interpreter could run forever without waiting.
 */
function cyclesWithoutWait(nodes: readonly WorkflowNode[], next: ReadonlyMap<string, readonly string[]>): string[][] {
  const busy = new Set(nodes.filter((n) => !waitingTypes.includes(n.settings.type)).map((n) => n.id));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const visit = (id: string): void => {
    index.set(id, counter);
    low.set(id, counter);
    counter++;
    stack.push(id);
    onStack.add(id);
    for (const to of next.get(id) ?? []) {
      if (!busy.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(id, Math.min(low.get(id) ?? 0, low.get(to) ?? 0));
      } else if (onStack.has(to)) {
        low.set(id, Math.min(low.get(id) ?? 0, index.get(to) ?? 0));
      }
    }
    if (low.get(id) === index.get(id)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== id);
      const selfLoop = component.length === 1 && (next.get(id) ?? []).includes(id);
      if (component.length > 1 || selfLoop) components.push(component);
    }
  };
  for (const node of nodes) if (busy.has(node.id) && !index.has(node.id)) visit(node.id);
  return components;
}

/** One cycle through `from` inside `component`, as node ids from `from` back to it. */
function cycleThrough(from: string, component: ReadonlySet<string>, next: ReadonlyMap<string, readonly string[]>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [from];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    for (const to of next.get(id) ?? []) {
      if (!component.has(to)) continue;
      if (to === from) {
        const path = [from];
        for (let at: string | undefined = id; at !== undefined && at !== from; at = cameFrom.get(at)) path.splice(1, 0, at);
        return [...path, from];
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, id);
        queue.push(to);
      }
    }
  }
  return [from, from];
}

/**
 * Every rule of an IM workflow beyond its shape. Returns no issues for a workflow a service may run
 * (subject to the admin use case finding the calendars and services it names).
 */
export function workflowRuleIssues(workflow: WorkflowDefinition): WorkflowIssue[] {
  const issues: WorkflowIssue[] = [];
  if (workflow.name.trim() === '' || workflow.name.length > 200) issues.push({ pointer: '/name', message: 'name must be 1 to 200 characters' });
  if (workflow.nodes.length === 0) issues.push({ pointer: '/nodes', message: 'a workflow needs at least one node' });
  if (workflow.nodes.length > maxNodes) issues.push({ pointer: '/nodes', message: `a workflow has at most ${maxNodes} nodes, not ${workflow.nodes.length}` });

  const firstIndex = new Map<string, number>();
  workflow.nodes.forEach((node, i) => {
    const at = new NodeIssues(issues, i, node);
    if (!nodeIdPattern.test(node.id)) at.add(['id'], 'node ids use letters, digits, ".", "_" and "-", start with a letter or digit and have at most 64 characters');
    const first = firstIndex.get(node.id);
    if (first !== undefined) at.add(['id'], `node id "${node.id}" is also the id of /nodes/${first}`);
    else firstIndex.set(node.id, i);
    checkSettings(at, node.settings);
  });

  const ids = new Set(firstIndex.keys());
  workflow.nodes.forEach((node, i) => checkExits(new NodeIssues(issues, i, node), node, ids));

  const next = successors(workflow.nodes, ids);
  if (!ids.has(workflow.start)) {
    issues.push({ pointer: '/start', message: `start "${workflow.start}" is not a node of this workflow` });
  } else {
    const reached = new Set([workflow.start]);
    const queue = [workflow.start];
    while (queue.length > 0) {
      for (const to of next.get(queue.shift() as string) ?? []) {
        if (!reached.has(to)) {
          reached.add(to);
          queue.push(to);
        }
      }
    }
    workflow.nodes.forEach((node, i) => {
      if (!reached.has(node.id)) new NodeIssues(issues, i, node).add([], `is not reachable from the start "${workflow.start}"`);
    });
  }

  for (const component of cyclesWithoutWait(workflow.nodes, next)) {
    const members = new Set(component);
    const i = workflow.nodes.findIndex((n) => members.has(n.id));
    const node = workflow.nodes[i];
    if (!node) continue;
    const cycle = cycleThrough(node.id, members, next).join(' -> ');
    new NodeIssues(issues, i, node).add([], `is on a cycle that never waits (${cycle}): put a Delay, Collect Information, Input Customer or Queue Task on it`);
  }
  return issues;
}
