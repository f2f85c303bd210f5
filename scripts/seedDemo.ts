// Demo data for `npm start`: two services and four agents, created through the public admin API
// (this is only a client) and skipped when already present, so running it twice changes nothing.
// devhost calls `seed` after start because devhost.json names this module.

interface DemoResource {
  readonly id: string;
  readonly [field: string]: unknown;
}

const services: readonly DemoResource[] = [
  {
    id: 'support',
    name: 'Customer support',
    address: 'support@contoso.example',
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

const agents: readonly DemoResource[] = [
  {
    id: 'ada',
    displayName: 'Ada Lovelace',
    email: 'ada@contoso.example',
    skills: { french: 8, sales: 6 },
    memberships: [{ serviceId: 'support' }, { serviceId: 'sales' }],
    imCapacity: 3,
  },
  {
    id: 'grace',
    displayName: 'Grace Hopper',
    email: 'grace@contoso.example',
    skills: { french: 4, sales: 9 },
    memberships: [{ serviceId: 'support' }, { serviceId: 'sales', profile: 'Off Duty' }],
    imCapacity: 2,
  },
  {
    id: 'alan',
    displayName: 'Alan Turing',
    email: 'alan@contoso.example',
    skills: { french: 6, sales: 4 },
    profiles: [{ name: 'Backup', onDuty: true }],
    memberships: [{ serviceId: 'sales', profile: 'Backup', priority: 30 }],
    imCapacity: 4,
  },
  {
    id: 'katherine',
    displayName: 'Katherine Johnson',
    email: 'katherine@contoso.example',
    memberships: [{ serviceId: 'support', priority: 80 }],
    imCapacity: 5,
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

/** Seeds the demo services, then the agents (whose memberships name the services). */
export async function seed(baseUrl: string, functionKey: string): Promise<string[]> {
  const done: string[] = [];
  for (const service of services) done.push(await ensure(baseUrl, functionKey, 'services', service));
  for (const agent of agents) done.push(await ensure(baseUrl, functionKey, 'agents', agent));
  return done;
}
