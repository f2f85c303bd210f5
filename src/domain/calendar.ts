// Opening hours: weekly hours in a time zone, holidays and special days. Check Opening Hours asks
// evaluateCalendar whether a service is open at an instant; the wall clock of the calendar's zone
// decides, so hours stay right across DST changes.
import { DateTime, IANAZone } from 'luxon';

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

/** `from` inclusive, `to` exclusive, both `HH:mm` wall-clock times; `to` may be `24:00` (end of day). */
export interface OpeningRange {
  readonly from: string;
  readonly to: string;
}

/** A day the service is closed all day, e.g. a public holiday; `annual` repeats it every year on that month and day. */
export interface Holiday {
  readonly date: string;
  readonly name: string;
  readonly annual: boolean;
}

/** A date whose hours replace the weekday's (e.g. closing early on 24 December); no hours: closed that day. */
export interface SpecialDay {
  readonly date: string;
  readonly name: string;
  readonly hours: readonly OpeningRange[];
}

export interface Calendar {
  readonly id: string;
  readonly name: string;
  /** An IANA zone, e.g. Europe/Zurich: every time and date here is in it. */
  readonly timeZone: string;
  readonly weekly: Readonly<Record<Weekday, readonly OpeningRange[]>>;
  readonly holidays: readonly Holiday[];
  readonly specialDays: readonly SpecialDay[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type OpeningState = 'open' | 'closed' | 'holiday';

const clockPattern = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

/** Minutes since midnight of an `HH:mm` time (`24:00` is 1440), or undefined when malformed. */
export function minutesOf(clock: string): number | undefined {
  if (!clockPattern.test(clock)) return undefined;
  const [hours, minutes] = clock.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** Whether `date` is a real calendar date written YYYY-MM-DD. */
export function isCalendarDate(date: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && DateTime.fromISO(date, { zone: 'UTC' }).isValid;
}

/** Why a day's ranges are unusable (a range ending before it starts, overlaps), or undefined. */
export function rangesProblem(ranges: readonly OpeningRange[]): { index: number; field: 'from' | 'to' | undefined; message: string } | undefined {
  const parsed: { index: number; from: number; to: number }[] = [];
  for (const [index, range] of ranges.entries()) {
    const from = minutesOf(range.from);
    const to = minutesOf(range.to);
    if (from === undefined || from === 24 * 60) return { index, field: 'from', message: `"${range.from}" is not a time HH:mm from 00:00 to 23:59` };
    if (to === undefined) return { index, field: 'to', message: `"${range.to}" is not a time HH:mm from 00:00 to 24:00` };
    // Overnight hours are two ranges, one on each day: a range never wraps past midnight.
    if (to <= from) return { index, field: 'to', message: `ends at ${range.to}, not after it starts at ${range.from} (split overnight hours at 24:00)` };
    parsed.push({ index, from, to });
  }
  const sorted = [...parsed].sort((a, b) => a.from - b.from);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1];
    const current = sorted[i];
    if (previous && current && current.from < previous.to) return { index: current.index, field: undefined, message: `overlaps the range ${ranges[previous.index]?.from}-${ranges[previous.index]?.to}` };
  }
  return undefined;
}

function within(ranges: readonly OpeningRange[], secondOfDay: number): boolean {
  return ranges.some((r) => {
    const from = minutesOf(r.from);
    const to = minutesOf(r.to);
    return from !== undefined && to !== undefined && secondOfDay >= from * 60 && secondOfDay < to * 60;
  });
}

/** Whether the service is open at `at`, by the wall clock in the calendar's zone. A holiday wins over everything. */
export function evaluateCalendar(calendar: Pick<Calendar, 'timeZone' | 'weekly' | 'holidays' | 'specialDays'>, at: Date): OpeningState {
  const local = DateTime.fromJSDate(at, { zone: calendar.timeZone });
  if (!local.isValid) throw new Error(`calendar time zone "${calendar.timeZone}" is not valid`);
  const date = local.toFormat('yyyy-MM-dd');
  const monthDay = date.slice(5);
  if (calendar.holidays.some((h) => h.date === date || (h.annual && h.date.slice(5) === monthDay))) return 'holiday';
  const special = calendar.specialDays.find((d) => d.date === date);
  const weekday = weekdays[local.weekday - 1] ?? 'mon';
  const hours = special ? special.hours : calendar.weekly[weekday];
  return within(hours, local.hour * 3600 + local.minute * 60 + local.second) ? 'open' : 'closed';
}
