// The agent desk API's bodies: presence, not-available reasons, duty profile, ACW, coding, and the
// actions that take none.
import { notAvailableMaxMs } from '../domain/notAvailable';
import { openApiRegistry } from './openApiRegistry';
import { z } from './zod';

export const PresenceBody = openApiRegistry.register(
  'PresenceChange',
  z
    .object({
      presence: z.enum(['available', 'busy', 'away', 'offline']),
      reason: z
        .string()
        .trim()
        .min(1)
        .max(100)
        .optional()
        .openapi({ description: "Why the agent is not available, one of their not-available reasons: fills the request this change opens (or the latest open one); only with busy, away or offline." }),
      until: z.iso.datetime().optional().openapi({ description: 'When that not-available request closes; at most a week ahead.' }),
    })
    .strict()
    .refine((b) => b.presence !== 'available' || (b.reason === undefined && b.until === undefined), { message: 'reason and until go with busy, away or offline', path: ['reason'] })
    .refine(
      (b) => {
        if (b.until === undefined) return true;
        const ahead = Date.parse(b.until) - Date.now();
        return ahead > 0 && ahead <= notAvailableMaxMs;
      },
      { message: 'must be in the future and at most a week ahead', path: ['until'] },
    ),
);

export const NotAvailableReasonBody = openApiRegistry.register(
  'NotAvailableReason',
  z.object({ reason: z.string().trim().min(1).max(100).openapi({ description: "One of the agent's not-available reasons (matched ignoring case).", example: 'Lunch' }) }).strict(),
);

/** Accept, decline, finish and ending ACW take no body: an empty one, or `{}`; any field is refused as unknown. */
export const NoFieldsBody = z.object({}).strict();

export const ProfileBody = openApiRegistry.register('DutyProfileChange', z.object({ profile: z.string().min(1).max(60) }).strict());

export const ExtendAcwBody = openApiRegistry.register('AcwExtension', z.object({ seconds: z.number().int().min(1).max(3600) }).strict());

/** A code or tag: trimmed, and not blank (a blank one means nothing in a report). */
const CodingLabel = z.string().trim().min(1, 'must not be blank').max(100).openapi({ description: 'Trimmed; blank ones are refused.' });

export const CodingBody = openApiRegistry.register(
  'TaskCoding',
  z
    .object({
      codes: z.array(CodingLabel).max(50),
      tags: z.array(CodingLabel).max(50),
    })
    .strict(),
);
