// The agent desk API's bodies: presence, duty profile, ACW and coding.
import { notAvailableMaxMs } from '../domain/agent';
import { openApiRegistry } from './openApiRegistry';
import { z } from './zod';

export const PresenceBody = openApiRegistry.register(
  'PresenceChange',
  z
    .object({
      presence: z.enum(['available', 'busy', 'away', 'offline']),
      reason: z.string().min(1).max(200).optional().openapi({ description: 'Why the agent is not available; only with busy, away or offline.' }),
      until: z.iso.datetime().optional().openapi({ description: 'When the not-available request closes; at most a week ahead.' }),
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

export const ProfileBody = openApiRegistry.register('DutyProfileChange', z.object({ profile: z.string().min(1).max(60) }).strict());

export const ExtendAcwBody = openApiRegistry.register('AcwExtension', z.object({ seconds: z.number().int().min(1).max(3600) }).strict());

export const CodingBody = openApiRegistry.register(
  'TaskCoding',
  z.object({ codes: z.array(z.string().min(1).max(100)).max(50), tags: z.array(z.string().min(1).max(100)).max(50) }).strict(),
);
