// The admin API's calendar (opening hours) bodies and answers.
import { isCalendarDate, isTimeZone, rangesProblem, weekdays, type Calendar, type Weekday } from '../domain/calendar';
import { openApiRegistry } from './openApiRegistry';
import { ResourceId } from './resourceId';
import { z } from './zod';

const OpeningRangeSchema = z
  .object({
    from: z.string().openapi({ description: 'Opening time, HH:mm (inclusive).', example: '08:00' }),
    to: z.string().openapi({ description: 'Closing time, HH:mm (exclusive); 24:00 for midnight.', example: '17:30' }),
  })
  .strict();

/** A day's ranges, each HH:mm, ending after they start and not overlapping. */
const DayHours = z
  .array(OpeningRangeSchema)
  .max(24)
  .superRefine((ranges, ctx) => {
    const problem = rangesProblem(ranges);
    if (problem) ctx.addIssue({ code: 'custom', path: problem.field ? [problem.index, problem.field] : [problem.index], message: problem.message });
  });

const CalendarDate = z
  .string()
  .refine(isCalendarDate, 'must be a date YYYY-MM-DD')
  .openapi({ example: '2026-12-25' });

const WeeklySchema = z
  .object(Object.fromEntries(weekdays.map((day) => [day, DayHours.default([])])) as Record<Weekday, z.ZodDefault<typeof DayHours>>)
  .strict()
  .openapi({ description: 'Opening hours per weekday (mon..sun) in the calendar\'s time zone; a day left out is closed.' });

const calendarSettings = {
  name: z.string().trim().min(1).max(200).openapi({ example: 'Zurich office' }),
  timeZone: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as Europe/Zurich')
    .openapi({ description: 'IANA time zone of every time and date in the calendar.', example: 'Europe/Zurich' }),
  weekly: WeeklySchema,
  holidays: z
    .array(
      z
        .object({
          date: CalendarDate,
          name: z.string().trim().min(1).max(200),
          annual: z.boolean().default(false).openapi({ description: 'Repeats every year on this month and day.' }),
        })
        .strict(),
    )
    .max(500)
    .default([])
    .openapi({ description: 'Days closed all day; they win over weekly hours and special days.' }),
  specialDays: z
    .array(z.object({ date: CalendarDate, name: z.string().trim().min(1).max(200), hours: DayHours }).strict())
    .max(500)
    .default([])
    .openapi({ description: 'Dates whose hours replace the weekday\'s; empty hours: closed that day.' }),
};

type CalendarShape = { holidays: readonly { date: string }[]; specialDays: readonly { date: string }[] };

function checkDates(calendar: CalendarShape, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  calendar.holidays.forEach((h, i) => {
    if (seen.has(h.date)) ctx.addIssue({ code: 'custom', path: ['holidays', i, 'date'], message: `${h.date} is already a holiday` });
    seen.set(h.date, i);
  });
  const special = new Set<string>();
  calendar.specialDays.forEach((d, i) => {
    if (special.has(d.date)) ctx.addIssue({ code: 'custom', path: ['specialDays', i, 'date'], message: `${d.date} is already a special day` });
    // Both would apply; saying which wins is clearer than guessing.
    else if (seen.has(d.date)) ctx.addIssue({ code: 'custom', path: ['specialDays', i, 'date'], message: `${d.date} is a holiday (closed all day): drop one of them` });
    special.add(d.date);
  });
}

export const CalendarCreateBody = openApiRegistry.register(
  'CalendarCreate',
  z
    .object({ id: ResourceId.optional().openapi({ description: 'The calendar id; generated when omitted (409 when taken).' }), ...calendarSettings })
    .strict()
    .superRefine(checkDates)
    .openapi({ description: 'Opening hours for Check Opening Hours: weekly hours, holidays and special days in one time zone.' }),
);

export const CalendarUpdateBody = openApiRegistry.register(
  'CalendarUpdate',
  z.object(calendarSettings).strict().superRefine(checkDates).openapi({ description: 'The whole calendar (full replace; the id comes from the path).' }),
);

export type CalendarSettings = z.output<typeof CalendarUpdateBody>;

const range = z.object({ from: z.string(), to: z.string() });
export const CalendarSchema = openApiRegistry.register(
  'Calendar',
  z
    .object({
      id: ResourceId,
      name: z.string(),
      timeZone: z.string(),
      weekly: z.object(Object.fromEntries(weekdays.map((day) => [day, z.array(range)])) as Record<Weekday, z.ZodArray<typeof range>>),
      holidays: z.array(z.object({ date: z.string(), name: z.string(), annual: z.boolean() })),
      specialDays: z.array(z.object({ date: z.string(), name: z.string(), hours: z.array(range) })),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
    })
    .openapi({ description: 'A calendar; its ETag comes in the ETag header.' }),
);

export const CalendarPageSchema = openApiRegistry.register(
  'CalendarPage',
  z.object({
    items: z.array(CalendarSchema),
    continuationToken: z.string().optional().openapi({ description: 'Pass it back to read the next page; absent on the last page (the page after a last page that came out exactly full may be empty).' }),
  }),
);

// Fails to compile when the answer schema and the domain type disagree on their fields.
type CalendarAnswer = z.output<typeof CalendarSchema>;
const answerHasEveryField: [Exclude<keyof Calendar, keyof CalendarAnswer>, Exclude<keyof CalendarAnswer, keyof Calendar>] extends [never, never] ? true : false = true;
void answerHasEveryField;
