// The admin API's service bodies and answers; the same schemas validate requests and produce OpenAPI.
import { normalizeOriginPattern, originPatternProblem } from '../domain/allowedOrigins';
import type { Service } from '../domain/service';
import { openApiRegistry } from './openApiRegistry';
import { repeatedIgnoringCase } from './repeatedNames';
import { ResourceId } from './resourceId';
import { z } from './zod';

const policies = ['longest-idle', 'round-robin', 'skills', 'priority'] as const;

const skillPattern = /^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u;

export const SkillName = z
  .string()
  .min(1)
  .max(50)
  .regex(skillPattern, 'use letters, digits, spaces, ".", "_" and "-", starting with a letter or digit')
  // The generator would write the flags into the pattern ("...$/u"), which then matches nothing.
  .openapi({ example: 'french', pattern: skillPattern.source });

export const SkillLevel = z.number().int().min(1).max(10).openapi({ description: 'Skill level, 1 (basic) to 10 (expert).' });

export const Priority = z.number().int().min(0).max(100).openapi({ description: '0 (lowest) to 100 (highest).' });

const SkillRequirementSchema = z.object({ skill: SkillName, minLevel: SkillLevel }).strict();

const DistributionSchema = z
  .object({
    policy: z.enum(policies).openapi({ description: 'How the distributor picks among eligible agents.' }),
    requiredSkills: z
      .array(SkillRequirementSchema)
      .max(50)
      .default([])
      .openapi({ description: "With policy 'skills' (and only then): agents need every skill at or above its level (skill names match ignoring case)." }),
    ronaTimeoutSeconds: z.number().int().min(5).max(600).default(30).openapi({ description: 'How long an offer rings before it is redirected on no answer (RONA).' }),
  })
  .strict()
  .superRefine((d, ctx) => {
    // Required skills silently ignored by another policy would mislead the admin who set them.
    if (d.policy === 'skills' && d.requiredSkills.length === 0) ctx.addIssue({ code: 'custom', path: ['requiredSkills'], message: "policy 'skills' needs at least one required skill" });
    if (d.policy !== 'skills' && d.requiredSkills.length > 0) ctx.addIssue({ code: 'custom', path: ['requiredSkills'], message: "required skills apply only with policy 'skills'" });
    // Skill names match ignoring case, so "French" and "french" are one skill.
    for (const i of repeatedIgnoringCase(d.requiredSkills.map((r) => r.skill))) {
      ctx.addIssue({ code: 'custom', path: ['requiredSkills', i, 'skill'], message: `skill "${d.requiredSkills[i]?.skill ?? ''}" is required twice` });
    }
  });

const AfterCallWorkSchema = z
  .object({
    durationSeconds: z.number().int().min(0).max(3600).default(60).openapi({ description: 'After Call Work (wrap-up) time once a chat ends; 0 for none.' }),
    extendable: z.boolean().default(false).openapi({ description: 'Agents may extend ACW.' }),
    maxExtensionSeconds: z.number().int().min(0).max(3600).default(0).openapi({ description: 'The longest single extension; at least 1 when extendable.' }),
    canEndEarly: z.boolean().default(true).openapi({ description: 'Agents may end ACW before it runs out.' }),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.extendable && a.maxExtensionSeconds === 0) ctx.addIssue({ code: 'custom', path: ['maxExtensionSeconds'], message: 'must be at least 1 when ACW is extendable' });
    if (!a.extendable && a.maxExtensionSeconds > 0) ctx.addIssue({ code: 'custom', path: ['maxExtensionSeconds'], message: 'must be 0 when ACW is not extendable' });
  });

const AllowedOrigin = z
  .string()
  .max(300)
  .superRefine((origin, ctx) => {
    const problem = originPatternProblem(origin);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform(normalizeOriginPattern)
  .openapi({ description: 'A website origin (scheme://host[:port]); a leading "*." allows every subdomain.', example: 'https://*.contoso.example' });

const AllowedOrigins = z
  .array(AllowedOrigin)
  .max(100)
  .default([])
  .superRefine((origins, ctx) => {
    const seen = new Set<string>();
    origins.forEach((origin, i) => {
      if (seen.has(origin)) ctx.addIssue({ code: 'custom', path: [i], message: `origin ${origin} is listed twice` });
      seen.add(origin);
    });
  })
  .openapi({ description: 'Website origins allowed to start chats with the service (the widget\'s CORS allow-list); empty: none.' });

/** Everything an admin owns on a service; PUT replaces all of it (omitted fields take their defaults). */
const serviceSettings = {
  name: z.string().trim().min(1).max(200).openapi({ example: 'Customer support' }),
  address: z.string().trim().min(1).max(320).openapi({ description: 'The address customers reach the service at.', example: 'support@contoso.example' }),
  imEnabled: z.boolean().default(true).openapi({ description: 'Whether the service takes IM (chat) tasks.' }),
  distribution: DistributionSchema,
  afterCallWork: AfterCallWorkSchema.default({ durationSeconds: 60, extendable: false, maxExtensionSeconds: 0, canEndEarly: true }),
  maxQueueSize: z.number().int().min(1).max(100_000).default(1000).openapi({ description: 'Tasks beyond this many waiting are refused (409 QUEUE.FULL). The queue never holds more; tasks arriving together at a nearly full queue may all be refused where some would have fitted.' }),
  defaultPriority: Priority.default(50).openapi({ description: 'Priority of tasks that come without one.' }),
  workflowId: ResourceId.nullable()
    .default(null)
    .openapi({ description: 'The IM workflow new chats run (its current version when the chat starts); null: chats are queued directly. Must exist.' }),
  allowedOrigins: AllowedOrigins,
};

export const ServiceCreateBody = openApiRegistry.register(
  'ServiceCreate',
  z
    .object({ id: ResourceId.optional().openapi({ description: 'The service id; generated when omitted (409 when taken).' }), ...serviceSettings })
    .strict()
    .openapi({ description: 'A new service. Unknown fields are refused.' }),
);

export const ServiceUpdateBody = openApiRegistry.register(
  'ServiceUpdate',
  z.object(serviceSettings).strict().openapi({ description: 'The whole of a service\'s settings (full replace; the id comes from the path).' }),
);

export type ServiceCreate = z.output<typeof ServiceCreateBody>;
export type ServiceSettings = z.output<typeof ServiceUpdateBody>;

export const ServiceSchema = openApiRegistry.register(
  'Service',
  z
    .object({
      id: ResourceId,
      name: z.string(),
      address: z.string(),
      imEnabled: z.boolean(),
      distribution: z.object({
        policy: z.enum(policies),
        requiredSkills: z.array(z.object({ skill: z.string(), minLevel: z.number().int() })),
        ronaTimeoutSeconds: z.number().int(),
      }),
      afterCallWork: z.object({ durationSeconds: z.number().int(), extendable: z.boolean(), maxExtensionSeconds: z.number().int(), canEndEarly: z.boolean() }),
      maxQueueSize: z.number().int(),
      defaultPriority: z.number().int(),
      workflowId: z.string().nullable(),
      allowedOrigins: z.array(z.string()),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
      deletingSince: z.iso
        .datetime()
        .optional()
        .openapi({ description: 'Present while a delete of the service is under way (for a minute at most): new tasks, memberships and settings changes get 409 SERVICE.BEING_DELETED meanwhile.' }),
    })
    .openapi({ description: 'A service; its ETag comes in the ETag header.' }),
);

export const ServicePageSchema = openApiRegistry.register(
  'ServicePage',
  z.object({
    items: z.array(ServiceSchema),
    continuationToken: z.string().optional().openapi({ description: 'Pass it back to read the next page; absent on the last page (the page after a last page that came out exactly full may be empty).' }),
  }),
);

// Fails to compile when the answer schema and the domain type disagree on their fields.
type ServiceAnswer = z.output<typeof ServiceSchema>;
const answerHasEveryField: [Exclude<keyof Service, keyof ServiceAnswer>, Exclude<keyof ServiceAnswer, keyof Service>] extends [never, never] ? true : false = true;
void answerHasEveryField;
