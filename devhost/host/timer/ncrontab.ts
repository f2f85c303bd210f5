// Timer trigger schedules: 6-field NCRONTAB (`{second} {minute} {hour} {day} {month} {day-of-week}`)
// or a TimeSpan interval (`00:05:00`), as the Functions timer extension accepts them.
import { CronExpressionParser } from 'cron-parser';
import { parseTimeSpan } from '../settings';

export interface Schedule {
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
  readonly description: string;
}

export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

export function parseSchedule(expression: string, timeZone = 'UTC'): Schedule {
  const text = expression.trim();
  if (/^(\d+\.)?\d{1,2}:\d{2}:\d{2}$/.test(text)) {
    const interval = parseTimeSpan(text);
    if (interval === undefined || interval <= 0) throw new ScheduleError(`timer interval "${expression}" must be positive`);
    return { next: (after) => new Date(after.getTime() + interval), description: `every ${text}` };
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleError(
      `"${expression}" is not a valid NCRONTAB schedule: it needs 6 fields ({second} {minute} {hour} {day} {month} {day-of-week}), found ${fields.length}`,
    );
  }
  try {
    CronExpressionParser.parse(text, { tz: timeZone });
  } catch (err) {
    throw new ScheduleError(`"${expression}" is not a valid NCRONTAB schedule: ${(err as Error).message}`);
  }
  return {
    next: (after) => CronExpressionParser.parse(text, { currentDate: after, tz: timeZone }).next().toDate(),
    description: `${text} (${timeZone})`,
  };
}
