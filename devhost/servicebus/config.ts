// Entity declarations: the shape of Microsoft's Service Bus emulator Config.json, parsed with zod,
// and the normalised options the broker works with.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Parses an ISO 8601 duration such as PT1M, PT20S, P14D or P10675199DT2H48M5.4775807S into milliseconds. */
export function parseIsoDuration(value: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(value.trim());
  if (!match || value.trim().toUpperCase() === 'P' || /T$/i.test(value.trim())) {
    throw new EmulatorConfigError(`"${value}" is not an ISO 8601 duration like PT1M`);
  }
  const [, days, hours, minutes, seconds] = match;
  return Math.round(
    ((Number(days ?? 0) * 24 + Number(hours ?? 0)) * 60 + Number(minutes ?? 0)) * 60_000 + Number(seconds ?? 0) * 1000,
  );
}

export class EmulatorConfigError extends Error {
  override name = 'EmulatorConfigError';
}

const duration = z.string().transform((value, ctx) => {
  try {
    return parseIsoDuration(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const correlationFilterSchema = z
  .object({
    ContentType: z.string().optional(),
    CorrelationId: z.string().optional(),
    Label: z.string().optional(),
    Subject: z.string().optional(),
    MessageId: z.string().optional(),
    ReplyTo: z.string().optional(),
    ReplyToSessionId: z.string().optional(),
    SessionId: z.string().optional(),
    To: z.string().optional(),
    Properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .loose();

const ruleSchema = z.object({
  Name: z.string().min(1),
  Properties: z
    .object({
      FilterType: z.enum(['Correlation', 'Sql']),
      CorrelationFilter: correlationFilterSchema.optional(),
      SqlFilter: z.object({ SqlExpression: z.string() }).optional(),
      Action: z.object({ SqlExpression: z.string() }).optional(),
    })
    .loose(),
});

const queuePropertiesSchema = z
  .object({
    DeadLetteringOnMessageExpiration: z.boolean().optional(),
    DefaultMessageTimeToLive: duration.optional(),
    DuplicateDetectionHistoryTimeWindow: duration.optional(),
    ForwardDeadLetteredMessagesTo: z.string().optional(),
    ForwardTo: z.string().optional(),
    LockDuration: duration.optional(),
    MaxDeliveryCount: z.number().int().min(1).optional(),
    RequiresDuplicateDetection: z.boolean().optional(),
    RequiresSession: z.boolean().optional(),
  })
  .loose();

const topicPropertiesSchema = z
  .object({
    DefaultMessageTimeToLive: duration.optional(),
    DuplicateDetectionHistoryTimeWindow: duration.optional(),
    RequiresDuplicateDetection: z.boolean().optional(),
  })
  .loose();

const subscriptionSchema = z.object({
  Name: z.string().min(1),
  Properties: queuePropertiesSchema.default({}),
  Rules: z.array(ruleSchema).default([]),
});

const configSchema = z.object({
  UserConfig: z
    .object({
      Namespaces: z
        .array(
          z
            .object({
              Name: z.string().default('sbemulatorns'),
              Queues: z.array(z.object({ Name: z.string().min(1), Properties: queuePropertiesSchema.default({}) })).default([]),
              Topics: z
                .array(
                  z.object({
                    Name: z.string().min(1),
                    Properties: topicPropertiesSchema.default({}),
                    Subscriptions: z.array(subscriptionSchema).default([]),
                  }),
                )
                .default([]),
            })
            .loose(),
        )
        .default([]),
      Logging: z.unknown().optional(),
    })
    .loose(),
});

export type EmulatorConfig = z.input<typeof configSchema>;

/** What an entity's behaviour depends on, with Service Bus Standard defaults filled in. */
export interface EntityOptions {
  readonly lockDurationMs: number;
  readonly maxDeliveryCount: number;
  readonly requiresSession: boolean;
  readonly requiresDuplicateDetection: boolean;
  readonly duplicateDetectionWindowMs: number;
  readonly deadLetteringOnMessageExpiration: boolean;
  /** Infinity when messages live forever (the service's TimeSpan.MaxValue). */
  readonly defaultMessageTimeToLiveMs: number;
  readonly forwardTo: string | undefined;
  readonly forwardDeadLetteredMessagesTo: string | undefined;
}

export type RuleFilter =
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  | { readonly kind: 'sql'; readonly expression: string }
  | {
      readonly kind: 'correlation';
      readonly correlationId?: string;
      readonly messageId?: string;
      readonly to?: string;
      readonly replyTo?: string;
      readonly subject?: string;
      readonly sessionId?: string;
      readonly replyToSessionId?: string;
      readonly contentType?: string;
      readonly applicationProperties?: Readonly<Record<string, string | number | boolean>>;
    };

export interface RuleDeclaration {
  readonly name: string;
  readonly filter: RuleFilter;
}

export interface QueueDeclaration {
  readonly name: string;
  readonly options?: Partial<EntityOptions>;
}

export interface SubscriptionDeclaration {
  readonly name: string;
  readonly options?: Partial<EntityOptions>;
  /** Defaults to the `$Default` rule that accepts every message. */
  readonly rules?: readonly RuleDeclaration[];
}

export interface TopicDeclaration {
  readonly name: string;
  readonly options?: Partial<Pick<EntityOptions, 'requiresDuplicateDetection' | 'duplicateDetectionWindowMs' | 'defaultMessageTimeToLiveMs'>>;
  readonly subscriptions?: readonly SubscriptionDeclaration[];
}

export interface EntityDeclarations {
  readonly queues?: readonly QueueDeclaration[];
  readonly topics?: readonly TopicDeclaration[];
}

export const defaultEntityOptions: EntityOptions = {
  lockDurationMs: 60_000,
  maxDeliveryCount: 10,
  requiresSession: false,
  requiresDuplicateDetection: false,
  duplicateDetectionWindowMs: 10 * 60_000,
  deadLetteringOnMessageExpiration: false,
  defaultMessageTimeToLiveMs: Infinity,
  forwardTo: undefined,
  forwardDeadLetteredMessagesTo: undefined,
};

export function withDefaults(options: Partial<EntityOptions> | undefined): EntityOptions {
  const merged = { ...defaultEntityOptions };
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

type QueueProperties = z.infer<typeof queuePropertiesSchema>;

function toEntityOptions(p: QueueProperties): Partial<EntityOptions> {
  const emptyToUndefined = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);
  return {
    lockDurationMs: p.LockDuration,
    maxDeliveryCount: p.MaxDeliveryCount,
    requiresSession: p.RequiresSession,
    requiresDuplicateDetection: p.RequiresDuplicateDetection,
    duplicateDetectionWindowMs: p.DuplicateDetectionHistoryTimeWindow,
    deadLetteringOnMessageExpiration: p.DeadLetteringOnMessageExpiration,
    defaultMessageTimeToLiveMs: p.DefaultMessageTimeToLive,
    forwardTo: emptyToUndefined(p.ForwardTo),
    forwardDeadLetteredMessagesTo: emptyToUndefined(p.ForwardDeadLetteredMessagesTo),
  };
}

function toRule(rule: z.infer<typeof ruleSchema>): RuleDeclaration {
  const p = rule.Properties;
  if (p.FilterType === 'Sql') {
    if (!p.SqlFilter) throw new EmulatorConfigError(`rule ${rule.Name}: FilterType Sql needs SqlFilter.SqlExpression`);
    return { name: rule.Name, filter: { kind: 'sql', expression: p.SqlFilter.SqlExpression } };
  }
  const c = p.CorrelationFilter;
  if (!c) throw new EmulatorConfigError(`rule ${rule.Name}: FilterType Correlation needs CorrelationFilter`);
  return {
    name: rule.Name,
    filter: {
      kind: 'correlation',
      correlationId: c.CorrelationId,
      messageId: c.MessageId,
      to: c.To,
      replyTo: c.ReplyTo,
      subject: c.Subject ?? c.Label,
      sessionId: c.SessionId,
      replyToSessionId: c.ReplyToSessionId,
      contentType: c.ContentType,
      applicationProperties: c.Properties,
    },
  };
}

/** Turns a Config.json document into declarations; every namespace's entities land in the one broker. */
export function parseEmulatorConfig(document: unknown): EntityDeclarations {
  const result = configSchema.safeParse(document);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new EmulatorConfigError(`Service Bus config: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`);
  }
  const queues: QueueDeclaration[] = [];
  const topics: TopicDeclaration[] = [];
  for (const ns of result.data.UserConfig.Namespaces) {
    for (const q of ns.Queues) queues.push({ name: q.Name, options: toEntityOptions(q.Properties) });
    for (const t of ns.Topics) {
      topics.push({
        name: t.Name,
        options: {
          requiresDuplicateDetection: t.Properties.RequiresDuplicateDetection,
          duplicateDetectionWindowMs: t.Properties.DuplicateDetectionHistoryTimeWindow,
          defaultMessageTimeToLiveMs: t.Properties.DefaultMessageTimeToLive,
        },
        subscriptions: t.Subscriptions.map((s) => ({
          name: s.Name,
          options: toEntityOptions(s.Properties),
          rules: s.Rules.length > 0 ? s.Rules.map(toRule) : undefined,
        })),
      });
    }
  }
  return { queues, topics };
}

export function loadEmulatorConfig(path: string): EntityDeclarations {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new EmulatorConfigError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseEmulatorConfig(document);
}
