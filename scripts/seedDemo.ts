// Demo data for `npm start`: a calendar, an IM workflow, two services and four agents, created through the public admin API
// (this is only a client) and skipped when already present, so running it twice changes nothing.
// devhost calls `seed` after start because devhost.json names this module.

interface DemoResource {
  readonly id: string;
  readonly [field: string]: unknown;
}

/** Open around the clock, so the demo chat reaches the queue at any hour; closed on annual holidays. */
const calendars: readonly DemoResource[] = [
  {
    id: 'demo-hours',
    name: 'Demo hours (always open but on holidays)',
    timeZone: 'Europe/Zurich',
    weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [day, [{ from: '00:00', to: '24:00' }]])),
    holidays: [
      { date: '2026-01-01', name: "New Year's Day", annual: true },
      { date: '2026-12-25', name: 'Christmas Day', annual: true },
    ],
  },
];

const message = (text: string) => ({ type: 'Message', text, visibility: 'ALL', messageType: 'text' });

/** The support chat: greet, check the hours, tell the customer their place, queue; give up politely after 10 minutes. */
const workflows: readonly DemoResource[] = [
  {
    id: 'support-chat',
    name: 'Support chat',
    modality: 'IM',
    start: 'greeting',
    nodes: [
      { id: 'greeting', settings: message('Hello {{customerName}}, thanks for contacting Contoso support.'), exits: { next: 'hours' } },
      { id: 'hours', settings: { type: 'CheckOpeningHours', calendarId: 'demo-hours' }, exits: { open: 'position', closed: 'closed', holiday: 'holiday' } },
      // No template: the default text leaves out the estimated wait while there is no history to estimate it from.
      { id: 'position', settings: { type: 'GetQueuePosition', postToChat: true }, exits: { next: 'queue' } },
      { id: 'queue', settings: { type: 'QueueTask', timeoutSeconds: 600 }, exits: { timeout: 'no-agent', queueFull: 'no-agent' } },
      { id: 'no-agent', settings: message('Sorry, all our agents are still busy. Please try again later or write to support@contoso.example.'), exits: { next: 'goodbye' } },
      { id: 'closed', settings: message('We are closed right now. Our opening hours are on contoso.example.'), exits: { next: 'goodbye' } },
      { id: 'holiday', settings: message('We are closed for the holiday. Happy holidays!'), exits: { next: 'goodbye' } },
      { id: 'goodbye', settings: { type: 'Disconnect', closingMessage: 'Thank you for contacting Contoso. Goodbye!' } },
    ],
  },
];

/** The demo services; `localOrigin`: the origin devhost serves the widget page from. */
const services = (localOrigin: string): readonly DemoResource[] => [
  {
    id: 'support',
    name: 'Customer support',
    address: 'support@contoso.example',
    workflowId: 'support-chat',
    // The local widget page and the demo shop's sites.
    allowedOrigins: [localOrigin, 'https://*.contoso.example'],
    distribution: { policy: 'longest-idle', ronaTimeoutSeconds: 30 },
    afterCallWork: { durationSeconds: 60, extendable: true, maxExtensionSeconds: 120, canEndEarly: true },
    maxQueueSize: 500,
    defaultPriority: 50,
  },
  {
    id: 'sales',
    name: 'Sales (French)',
    address: 'ventes@contoso.example',
    distribution: {
      policy: 'skills',
      requiredSkills: [
        { skill: 'french', minLevel: 5 },
        { skill: 'sales', minLevel: 3 },
      ],
      ronaTimeoutSeconds: 20,
    },
    afterCallWork: { durationSeconds: 30, extendable: false, maxExtensionSeconds: 0, canEndEarly: true },
    maxQueueSize: 200,
    defaultPriority: 60,
  },
];

/** The not-available reasons the demo agents may give (an admin assigns them per agent). */
const reasons = ['Break', 'Lunch', 'Team meeting', 'Coaching', 'Training'];

const agents: readonly DemoResource[] = [
  {
    id: 'ada',
    displayName: 'Ada Lovelace',
    email: 'ada@contoso.example',
    skills: { french: 8, sales: 6 },
    memberships: [{ serviceId: 'support' }, { serviceId: 'sales' }],
    imCapacity: 3,
    notAvailableReasons: reasons,
  },
  {
    id: 'grace',
    displayName: 'Grace Hopper',
    email: 'grace@contoso.example',
    skills: { french: 4, sales: 9 },
    memberships: [{ serviceId: 'support' }, { serviceId: 'sales', profile: 'Off Duty' }],
    imCapacity: 2,
    notAvailableReasons: reasons,
  },
  {
    id: 'alan',
    displayName: 'Alan Turing',
    email: 'alan@contoso.example',
    skills: { french: 6, sales: 4 },
    profiles: [{ name: 'Backup', onDuty: true }],
    memberships: [{ serviceId: 'sales', profile: 'Backup', priority: 30 }],
    imCapacity: 4,
    notAvailableReasons: reasons,
  },
  {
    id: 'katherine',
    displayName: 'Katherine Johnson',
    email: 'katherine@contoso.example',
    memberships: [{ serviceId: 'support', priority: 80 }],
    imCapacity: 5,
    notAvailableReasons: reasons,
  },
];

/** Creates `resource` under `collection` unless it exists; says which. */
async function ensure(baseUrl: string, functionKey: string, collection: string, resource: DemoResource): Promise<string> {
  const headers = { 'x-functions-key': functionKey, 'content-type': 'application/json' };
  const url = `${baseUrl}/api/${collection}`;
  const existing = await fetch(`${url}/${encodeURIComponent(resource.id)}`, { headers });
  if (existing.ok) return `${collection}/${resource.id} present, kept`;
  if (existing.status !== 404) throw new Error(`GET ${collection}/${resource.id} answered ${existing.status}: ${await existing.text()}`);
  const created = await fetch(url, { method: 'POST', headers, body: JSON.stringify(resource) });
  // 409: created concurrently by another seeding run, which is as good as ours.
  if (created.status === 409) return `${collection}/${resource.id} present, kept`;
  if (created.status !== 201) throw new Error(`POST ${collection} ${resource.id} answered ${created.status}: ${await created.text()}`);
  return `${collection}/${resource.id} created`;
}

/** Seeds the calendar, the workflow (which checks it), the services (one runs it), then the agents (whose memberships name the services). */
export async function seed(baseUrl: string, functionKey: string): Promise<string[]> {
  const done: string[] = [];
  for (const calendar of calendars) done.push(await ensure(baseUrl, functionKey, 'calendars', calendar));
  for (const workflow of workflows) done.push(await ensure(baseUrl, functionKey, 'workflows', workflow));
  for (const service of services(new URL(baseUrl).origin)) done.push(await ensure(baseUrl, functionKey, 'services', service));
  for (const agent of agents) done.push(await ensure(baseUrl, functionKey, 'agents', agent));
  return done;
}
