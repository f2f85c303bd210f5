// The admin API's agent bodies and answers. Admins own who an agent is and where they work; the
// live state (presence, offers, tasks, RONA, idle time) belongs to the server and is not accepted here.
import { builtInProfiles, type Agent } from '../domain/agent';
import { openRequests } from '../domain/notAvailable';
import { openApiRegistry } from './openApiRegistry';
import { repeatedIgnoringCase } from './repeatedNames';
import { ResourceId } from './resourceId';
import { Priority, SkillLevel, SkillName } from './serviceSchemas';
import { z } from './zod';

const ProfileName = z.string().trim().min(1).max(60).openapi({ example: 'Backup' });

const ProfileSchema = z
  .object({
    name: ProfileName,
    onDuty: z.boolean().openapi({ description: 'Whether an agent in this profile receives the service\'s tasks.' }),
  })
  .strict();

const MembershipSchema = z
  .object({
    serviceId: ResourceId,
    profile: ProfileName.default('Duty').openapi({ description: "'Duty', 'Off Duty' or one of the agent's custom profiles (default 'Duty')." }),
    priority: Priority.default(50).openapi({ description: "With the priority policy: higher is offered first (default 50)." }),
  })
  .strict();

/** Skills an agent may have: far more than any routing needs, and an agent stays well inside Cosmos DB's item size. */
const maxSkills = 200;

/** Everything an admin owns on an agent; PUT replaces all of it (omitted fields take their defaults). */
const agentSettings = {
  displayName: z.string().trim().min(1).max(200).openapi({ example: 'Ada Lovelace' }),
  email: z.email().max(320).openapi({ example: 'ada@contoso.example' }),
  imLicensed: z.boolean().default(true).openapi({ description: 'Licensed for the IM (chat) modality.' }),
  skills: z
    .record(SkillName, SkillLevel)
    .refine((skills) => Object.keys(skills).length <= maxSkills, `at most ${maxSkills} skills`)
    .superRefine((skills, ctx) => {
      // Skill names match ignoring case, so an agent cannot hold "fr" and "FR" as two skills.
      const names = Object.keys(skills);
      for (const i of repeatedIgnoringCase(names)) ctx.addIssue({ code: 'custom', path: [names[i] ?? ''], message: `skill "${names[i] ?? ''}" is listed twice (names match ignoring case)` });
    })
    .default({})
    .openapi({ description: `Skill name to level (1..10), at most ${maxSkills}; names as in a service's required skills (letters, digits, spaces, ".", "_" and "-", up to 50 characters, starting with a letter or digit; matched ignoring case).`, example: { french: 7, billing: 4 }, maxProperties: maxSkills }),
  profiles: z.array(ProfileSchema).max(20).default([]).openapi({ description: "Custom responsibility profiles, besides the built-in 'Duty' and 'Off Duty'." }),
  memberships: z.array(MembershipSchema).max(200).default([]).openapi({ description: 'The services the agent works in, with their responsibility profile.' }),
  imCapacity: z.number().int().min(1).max(20).default(3).openapi({ description: 'Chats the agent can hold at once (chat is non-blocking).' }),
  notAvailableReasons: z
    .array(z.string().trim().min(1).max(100))
    .max(50)
    .default([])
    .openapi({
      description: 'The reasons the agent may give for not being available (fills their not-available requests); names unique, ignoring case.',
      example: ['Lunch', 'Training', 'Coaching'],
    }),
};

type AgentSettingsShape = { profiles: readonly { name: string }[]; memberships: readonly { serviceId: string; profile: string }[]; notAvailableReasons: readonly string[] };

/** Rules across fields: profile names unique and not built-in; memberships unique and naming a known profile; reasons unique. */
function checkProfilesAndMemberships(agent: AgentSettingsShape, ctx: z.RefinementCtx): void {
  const builtIn = new Set(builtInProfiles.map((p) => p.name.toLowerCase()));
  // Case-insensitive, so "duty" cannot pass for the built-in "Duty" on an admin's screen.
  const repeated = new Set(repeatedIgnoringCase(agent.profiles.map((p) => p.name)));
  agent.profiles.forEach((p, i) => {
    if (builtIn.has(p.name.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['profiles', i, 'name'], message: `"${p.name}" is a built-in profile` });
    else if (repeated.has(i)) ctx.addIssue({ code: 'custom', path: ['profiles', i, 'name'], message: `profile "${p.name}" is declared twice` });
  });
  const known = new Set([...builtInProfiles.map((p) => p.name), ...agent.profiles.map((p) => p.name)]);
  const services = new Set<string>();
  agent.memberships.forEach((m, i) => {
    if (services.has(m.serviceId)) ctx.addIssue({ code: 'custom', path: ['memberships', i, 'serviceId'], message: `the agent is already a member of "${m.serviceId}"` });
    services.add(m.serviceId);
    if (!known.has(m.profile)) ctx.addIssue({ code: 'custom', path: ['memberships', i, 'profile'], message: `unknown profile "${m.profile}": use Duty, Off Duty or a custom profile of this agent` });
  });
  for (const i of repeatedIgnoringCase(agent.notAvailableReasons)) {
    ctx.addIssue({ code: 'custom', path: ['notAvailableReasons', i], message: `reason "${agent.notAvailableReasons[i] ?? ''}" is listed twice` });
  }
}

export const AgentCreateBody = openApiRegistry.register(
  'AgentCreate',
  z
    .object({ id: ResourceId.optional().openapi({ description: 'The agent id; generated when omitted (409 when taken).' }), ...agentSettings })
    .strict()
    .superRefine(checkProfilesAndMemberships)
    .openapi({ description: 'A new agent: starts offline, with no offers or tasks. Unknown fields are refused.' }),
);

export const AgentUpdateBody = openApiRegistry.register(
  'AgentUpdate',
  z
    .object(agentSettings)
    .strict()
    .superRefine(checkProfilesAndMemberships)
    .openapi({ description: "The whole of an agent's settings (full replace; live state such as presence and tasks is kept)." }),
);

export type AgentCreate = z.output<typeof AgentCreateBody>;
export type AgentSettings = z.output<typeof AgentUpdateBody>;

const Timestamp = z.iso.datetime();

export const NotAvailableRequestSchema = openApiRegistry.register(
  'NotAvailableRequest',
  z
    .object({
      id: z.string(),
      presence: z.enum(['busy', 'away', 'offline']).openapi({ description: 'The presence the agent went to when it opened.' }),
      since: Timestamp,
      expiresAt: Timestamp.openapi({ description: 'When it closes by itself: a week after it opened, or the time the agent gave.' }),
      reason: z.string().nullable().openapi({ description: "One of the agent's not-available reasons, once filled." }),
      filledAt: Timestamp.nullable(),
    })
    .openapi({ description: 'Opened each time the agent stops being available; filled with one of their reasons, then or later, while open.' }),
);

export const AgentOfferSchema = openApiRegistry.register(
  'AgentOffer',
  z.object({ offerId: z.string(), taskId: z.string(), serviceId: z.string(), offeredAt: Timestamp, expiresAt: Timestamp.optional().openapi({ description: 'When the offer rings out.' }) }).openapi({ description: 'An offer ringing for the agent.' }),
);

export const AgentTaskSchema = openApiRegistry.register(
  'AgentTask',
  z
    .object({
      taskId: z.string(),
      serviceId: z.string(),
      since: Timestamp,
      phase: z.enum(['connected', 'wrap-up']),
      offerId: z.string().optional().openapi({ description: 'The offer the agent accepted.' }),
      acwSeconds: z.number().int().optional().openapi({ description: 'The After Call Work the chat gets when finished, under the rules it was offered under.' }),
    })
    .openapi({ description: 'A chat the agent holds: in conversation or in After Call Work.' }),
);

const RonaSchema = z.object({ since: Timestamp, taskId: z.string() }).nullable().openapi({ description: 'Set when an offer rang out: the agent gets nothing until they set themselves available.' });

export const AgentSchema = openApiRegistry.register(
  'Agent',
  z
    .object({
      id: ResourceId,
      displayName: z.string(),
      email: z.string(),
      imLicensed: z.boolean(),
      skills: z.record(z.string(), z.number().int()),
      profiles: z.array(z.object({ name: z.string(), onDuty: z.boolean() })),
      memberships: z.array(z.object({ serviceId: z.string(), profile: z.string(), priority: z.number().int() })),
      imCapacity: z.number().int(),
      notAvailableReasons: z.array(z.string()),
      presence: z.enum(['available', 'busy', 'away', 'offline']),
      notAvailableRequests: z.array(NotAvailableRequestSchema).openapi({ description: 'Requests for a not-available reason, most recent first; closed ones (a week old, or past the time the agent gave) are dropped as the agent changes.' }),
      offers: z.array(AgentOfferSchema),
      tasks: z.array(AgentTaskSchema),
      rona: RonaSchema,
      lastOfferAt: Timestamp.nullable(),
      idleSince: Timestamp,
      createdAt: Timestamp,
      updatedAt: Timestamp,
    })
    .openapi({ description: 'An agent with their live state; the ETag comes in the ETag header.' }),
);

export const AgentPageSchema = openApiRegistry.register(
  'AgentPage',
  z.object({
    items: z.array(AgentSchema),
    continuationToken: z.string().optional().openapi({ description: 'Pass it back to read the next page; absent on the last page (the page after a last page that came out exactly full may be empty).' }),
  }),
);

// Fails to compile when the answer schema and the domain type disagree on their fields.
type AgentAnswer = z.output<typeof AgentSchema>;
const answerHasEveryField: [Exclude<keyof Agent, keyof AgentAnswer>, Exclude<keyof AgentAnswer, keyof Agent>] extends [never, never] ? true : false = true;
void answerHasEveryField;

export const AgentStateSchema = openApiRegistry.register(
  'AgentState',
  z
    .object({
      agentId: z.string(),
      presence: z.enum(['available', 'busy', 'away', 'offline']),
      notAvailableRequests: z.array(NotAvailableRequestSchema).openapi({ description: 'The open ones, most recent first.' }),
      notAvailableReasons: z.array(z.string()).openapi({ description: 'The reasons the agent may fill them with.' }),
      rona: RonaSchema,
      memberships: z.array(z.object({ serviceId: z.string(), profile: z.string(), priority: z.number().int() })),
      imCapacity: z.number().int(),
      offers: z.array(AgentOfferSchema),
      tasks: z.array(AgentTaskSchema),
      idleSince: Timestamp.openapi({ description: 'When the agent last held nothing.' }),
      lastOfferAt: Timestamp.nullable(),
    })
    .openapi({ description: "The agent's live state: presence, open not-available requests and the reasons to fill them with, RONA, memberships, offers and chats." }),
);

/** The agent's live state as the agent desk answers it. */
export type AgentStateAnswer = Pick<Agent, 'presence' | 'notAvailableReasons' | 'rona' | 'memberships' | 'imCapacity' | 'offers' | 'tasks' | 'idleSince' | 'lastOfferAt' | 'notAvailableRequests'> & { readonly agentId: string };

export function agentStateAnswer(agent: Agent, now: Date): AgentStateAnswer {
  const { presence, notAvailableReasons, rona, memberships, imCapacity, offers, tasks, idleSince, lastOfferAt } = agent;
  return { agentId: agent.id, presence, notAvailableRequests: openRequests(agent.notAvailableRequests, now), notAvailableReasons, rona, memberships, imCapacity, offers, tasks, idleSince, lastOfferAt };
}

type StateSchemaAnswer = z.output<typeof AgentStateSchema>;
const stateHasEveryField: [Exclude<keyof AgentStateAnswer, keyof StateSchemaAnswer>, Exclude<keyof StateSchemaAnswer, keyof AgentStateAnswer>] extends [never, never] ? true : false = true;
void stateHasEveryField;
