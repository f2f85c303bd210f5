// The admin API's workflow bodies and answers. zod checks the JSON shape (strict at every level);
// the domain's workflowRuleIssues checks values and the graph. validateWorkflow runs both and
// names every refusal by JSON pointer and activity.
import { maxTimerSeconds, unsupportedForIm, type ActivityType, type NodeSettings, type WorkflowDefinition, type WorkflowVersion } from '../domain/workflow/model';
import { activityLabel, workflowRuleIssues, type WorkflowIssue, type WorkflowValidation } from '../domain/workflow/validate';
import { jsonPointer, ValidationError } from './httpErrors';
import { openApiRegistry } from './openApiRegistry';
import { ResourceId } from './resourceId';
import { z } from './zod';

const template = (description: string) => z.string().openapi({ description: `${description} \`{{name}}\` inserts the task parameter \`name\`.` });
const seconds = (description: string) => z.number().openapi({ description: `${description} Whole seconds, 1 to ${maxTimerSeconds} (6 days).` });
const parameterName = (description: string) => z.string().openapi({ description: `${description} Letters, digits, "_", "." and "-", starting with a letter or "_".`, example: 'orderNumber' });
const visibility = z.enum(['ALL', 'INT', 'VIP']).openapi({ description: 'ALL: everyone; INT: agents and supervisors; VIP: supervisors only.' });
const operators = ['equals', 'notEquals', 'contains', 'exists', 'notExists', 'greaterThan', 'lessThan', 'matches'] as const;

const activity = <K extends string, T extends z.ZodRawShape>(type: K, description: string, shape: T) =>
  z
    .object({ type: z.literal(type), ...shape })
    .strict()
    .openapi(`${type}Settings`, { description });

const NoticeSettings = z.discriminatedUnion('kind', [
  activity('Notice', 'Pushes a URL to the customer\'s chat (kind push-url).', { kind: z.literal('push-url'), url: template('An http(s) URL.'), text: template('Text shown with the link.').optional() }),
  z
    .object({ type: z.literal('Notice'), kind: z.literal('custom'), text: template('Custom notice text, for the widget to interpret.') })
    .strict()
    .openapi('CustomNoticeSettings', { description: 'A custom notice (kind custom).' }),
]);

export const NodeSettingsSchema = z
  .discriminatedUnion('type', [
    activity('Accept', 'Accepts the chat: the customer sees it is being handled.', {}),
    activity('Message', 'Posts a message into the chat.', {
      text: template('The message.'),
      visibility,
      nickname: z.string().optional().openapi({ description: 'Shown as the author (default: the service name).' }),
      messageType: z.enum(['text', 'notice']),
    }),
    NoticeSettings,
    activity('CollectInformation', 'Asks the customer and saves the reply to a parameter; exits next, timeout.', {
      prompt: template('The question.'),
      parameter: parameterName('Where the reply is saved.'),
      timeoutSeconds: seconds('How long to wait for the reply.'),
    }),
    activity('InputCustomer', 'A menu: the customer answers with an option key; exits are the options\' exits, noMatch (after the retries) and timeout.', {
      prompt: template('The menu text.'),
      options: z.array(z.object({ key: z.string(), label: z.string(), exit: z.string() }).strict()),
      retries: z.number().openapi({ description: 'How often an unknown answer is asked again before noMatch, 0 to 5.' }),
      timeoutSeconds: seconds('How long to wait for each answer.'),
    }),
    activity('Delay', 'Waits.', { seconds: seconds('How long.') }),
    activity('SaveToParameter', 'Sets a task parameter.', { parameter: parameterName('The parameter.'), value: template('The value.') }),
    activity('CheckParameter', 'Takes the exit of the first condition that holds, else `else`.', {
      conditions: z.array(
        z
          .object({
            parameter: parameterName('The parameter tested.'),
            operator: z.enum(operators),
            value: z.string().optional().openapi({ description: 'Needed by every operator but exists/notExists; a number for greaterThan/lessThan; a regular expression for matches.' }),
            exit: z.string(),
          })
          .strict(),
      ),
    }),
    activity('CheckOpeningHours', 'Evaluates a calendar now; exits open, closed, holiday.', { calendarId: ResourceId }),
    activity('AvailabilityBasedRouting', 'Counts the service\'s agents on duty or available; exits atOrAbove, below the threshold.', {
      measure: z.enum(['on-duty', 'available']),
      threshold: z.number(),
    }),
    activity('GetAvailableUsers', 'Saves the counts of agents on duty and available to parameters.', { onDutyParameter: parameterName('Agents on duty.'), availableParameter: parameterName('Agents available.') }),
    activity('GetQueuePosition', 'Reads the position and estimated wait, optionally posting them; with a threshold, exits within/beyond, else next.', {
      postToChat: z.boolean(),
      template: template('The posted text; `{{queuePosition}}` and `{{estimatedWaitSeconds}}` are set.').optional(),
      positionThreshold: z.number().optional(),
      waitThresholdSeconds: z.number().optional(),
    }),
    activity('QueueTask', 'Hands the task to the distributor; exits connected (optional: the workflow ends), timeout, queueFull.', { timeoutSeconds: seconds('How long the task may wait.') }),
    activity('DistributionPriority', 'Sets the task\'s priority (0 to 100).', { priority: z.number() }),
    activity('CheckTask', 'Exits yes or no: is the task still waiting / the customer still online?', { check: z.enum(['waiting', 'customer-online']) }),
    activity('CancelTask', 'Cancels the task (ends the workflow).', { reason: z.string() }),
    activity('Transfer', 'Transfers the task to another IM service, whose workflow starts (ends this one).', { serviceId: ResourceId }),
    activity('WebRequest', 'Calls an HTTP endpoint; exits success (2xx) and failure.', {
      method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
      url: template('An http(s) URL.'),
      headers: z.record(z.string(), z.string()).optional(),
      body: template('The request body.').optional(),
      timeoutSeconds: z.number().openapi({ description: 'Whole seconds, 1 to 300.' }),
      saveResponse: z.array(z.object({ field: z.string(), parameter: z.string() }).strict()).optional().openapi({ description: 'Response JSON fields (dot paths) saved to parameters.' }),
    }),
    activity('Disconnect', 'Ends the chat, optionally with a closing message.', { closingMessage: template('The closing message.').optional() }),
    activity('MarkAsHandled', 'Marks the task handled and goes on.', {}),
    activity('DisconnectAsHandled', 'Marks the task handled and ends the chat.', { closingMessage: template('The closing message.').optional() }),
  ])
  .openapi('NodeSettings', { description: 'What the node does; `type` names the activity.' });

const WorkflowNodeSchema = z
  .object({
    id: z.string().openapi({ description: 'Unique in the workflow.', example: 'greeting' }),
    settings: NodeSettingsSchema,
    exits: z.record(z.string(), z.string()).default({}).openapi({ description: 'Exit name -> the id of the next node. Which exits a node has depends on its type.', example: { next: 'queue' } }),
  })
  .strict()
  .openapi('WorkflowNode');

const definitionShape = {
  name: z.string().openapi({ example: 'Support chat' }),
  modality: z.literal('IM').openapi({ description: 'Only IM (chat) workflows exist here.' }),
  start: z.string().openapi({ description: 'The id of the first node.' }),
  nodes: z.array(WorkflowNodeSchema),
};

const WorkflowDefinitionSchema = z.object(definitionShape).strict();

export const WorkflowCreateBody = openApiRegistry.register(
  'WorkflowCreate',
  z
    .object({ id: ResourceId.optional().openapi({ description: 'The workflow id; generated when omitted (409 when taken).' }), ...definitionShape })
    .strict()
    .openapi({ description: 'A new IM workflow: a graph of activities with named exits. Becomes version 1.' }),
);

export const WorkflowUpdateBody = openApiRegistry.register(
  'WorkflowUpdate',
  WorkflowDefinitionSchema.openapi({ description: 'The whole workflow; stored as a new version (running tasks keep theirs).' }),
);

export const WorkflowSchema = openApiRegistry.register(
  'Workflow',
  z
    .object({
      id: ResourceId.openapi({ description: 'The workflow id.' }),
      version: z.number().int().openapi({ description: 'The version number, from 1.' }),
      versionId: z.string().openapi({ description: 'The version\'s own id, `<workflowId>@<version>`: what a running task keeps.', example: 'support-chat@2' }),
      ...definitionShape,
      createdAt: z.iso.datetime().openapi({ description: 'When this version was written.' }),
    })
    .openapi({ description: 'One version of a workflow, never changed once written. GET of the workflow answers its current version, with the workflow\'s ETag.' }),
);

/** The answer for a stored version: ids the way the API names them. */
export function workflowAnswer(version: WorkflowVersion): z.output<typeof WorkflowSchema> {
  const { id, workflowId, version: number, name, modality, start, nodes, createdAt } = version;
  return { id: workflowId, version: number, versionId: id, name, modality, start, nodes: nodes.map((n) => ({ id: n.id, settings: structuredClone(n.settings) as z.output<typeof NodeSettingsSchema>, exits: { ...n.exits } })), createdAt };
}

export const WorkflowSummarySchema = openApiRegistry.register(
  'WorkflowSummary',
  z.object({ id: ResourceId, name: z.string(), currentVersion: z.number().int(), createdAt: z.iso.datetime(), updatedAt: z.iso.datetime() }),
);

export const WorkflowPageSchema = openApiRegistry.register(
  'WorkflowPage',
  z.object({
    items: z.array(WorkflowSummarySchema),
    continuationToken: z.string().optional().openapi({ description: 'Pass it back to read the next page; absent on the last page (the page after a last page that came out exactly full may be empty).' }),
  }),
);

// Fails to compile when the schema's activities and the domain model disagree: every parsed
// settings value is a NodeSettings, and every activity type of the model has a schema.
type ParsedSettings = z.output<typeof NodeSettingsSchema>;
const parsedIsModel: ParsedSettings extends NodeSettings ? true : false = true;
const everyTypeHasSchema: [Exclude<ActivityType, ParsedSettings['type']>] extends [never] ? true : false = true;
void parsedIsModel, void everyTypeHasSchema;

const supportedTypes: readonly string[] = NodeSettingsSchema.options.flatMap((o) => ('shape' in o ? [o.shape.type.value] : [o.options[0].shape.type.value]));
const unsupported: readonly string[] = unsupportedForIm;

function rawNode(input: unknown, index: unknown): { id?: string; type?: string } {
  if (typeof input !== 'object' || input === null || typeof index !== 'number') return {};
  const nodes = (input as { nodes?: unknown }).nodes;
  const node: unknown = Array.isArray(nodes) ? nodes[index] : undefined;
  if (typeof node !== 'object' || node === null) return {};
  const { id, settings } = node as { id?: unknown; settings?: unknown };
  const type = typeof settings === 'object' && settings !== null ? (settings as { type?: unknown }).type : undefined;
  return { ...(typeof id === 'string' ? { id } : {}), ...(typeof type === 'string' ? { type } : {}) };
}

/** zod's issue, in the words an admin reading a workflow editor needs. */
function describe(issue: z.core.$ZodIssue, node: { type?: string }): string {
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator === 'type') {
    if (node.type === undefined) return `settings.type is required: one of ${supportedTypes.join(', ')}`;
    if (unsupported.includes(node.type)) return `"${node.type}" is not supported for IM workflows`;
    return `unknown activity type "${node.type}" (IM workflows support ${supportedTypes.join(', ')})`;
  }
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator === 'kind') return 'kind must be "push-url" or "custom"';
  if (issue.code === 'invalid_value' && issue.path.at(-1) === 'modality') return 'modality must be "IM": this service only runs IM (chat) workflows';
  return issue.message;
}

function shapeIssues(error: z.ZodError, input: unknown): WorkflowIssue[] {
  return error.issues.flatMap((issue) => {
    const isNode = issue.path[0] === 'nodes' && typeof issue.path[1] === 'number';
    const node = isNode ? rawNode(input, issue.path[1]) : {};
    const label = (message: string) => (isNode ? `${activityLabel(node.id ?? `#${String(issue.path[1])}`, node.type && supportedTypes.includes(node.type) ? node.type : undefined)}: ${message}` : message);
    const activity = node.id !== undefined ? { activity: node.id } : {};
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ pointer: jsonPointer([...issue.path, key]), ...activity, message: label(`unknown field "${key}"`) }));
    return [{ pointer: jsonPointer(issue.path), ...activity, message: label(describe(issue, node)) }];
  });
}

/**
 * Parses a definition with `schema` (the create or update body) and checks every workflow rule.
 * The shape is checked first: the rules only make sense on a well-formed graph.
 */
export function validateWorkflowBody<S extends typeof WorkflowCreateBody | typeof WorkflowUpdateBody>(schema: S, definition: unknown): { ok: true; body: z.output<S> } | { ok: false; issues: readonly WorkflowIssue[] } {
  const parsed = schema.safeParse(definition);
  if (!parsed.success) return { ok: false, issues: shapeIssues(parsed.error, definition) };
  const workflow: WorkflowDefinition = parsed.data;
  const issues = workflowRuleIssues(workflow);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, body: parsed.data as z.output<S> };
}

/** A workflow definition (`{ name, modality, start, nodes }`), checked entirely. */
export function validateWorkflow(definition: unknown): WorkflowValidation {
  const result = validateWorkflowBody(WorkflowUpdateBody, definition);
  return result.ok ? { ok: true, workflow: result.body } : result;
}

/** The 400 for a refused workflow: every issue with its pointer and activity. */
export function workflowValidationError(issues: readonly WorkflowIssue[]): ValidationError {
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new ValidationError(
    first ? `workflow refused: ${first.pointer} ${first.message}${more}` : 'workflow refused',
    issues.map((i) => ({ path: i.pointer, message: i.message, ...(i.activity !== undefined ? { activity: i.activity } : {}) })),
  );
}

/** Parses a request body as a workflow, throwing the 400 that names every refusal. */
export function parseWorkflowBody<S extends typeof WorkflowCreateBody | typeof WorkflowUpdateBody>(schema: S, definition: unknown): z.output<S> {
  const result = validateWorkflowBody(schema, definition);
  if (!result.ok) throw workflowValidationError(result.issues);
  return result.body;
}
