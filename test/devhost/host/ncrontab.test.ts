import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSchedule, ScheduleError } from '../../../devhost/host/timer/ncrontab';

describe('NCRONTAB schedules', () => {
  it('reads six fields with seconds first', () => {
    const schedule = parseSchedule('*/5 * * * * *');
    assert.equal(schedule.next(new Date('2026-01-01T00:00:01Z')).toISOString(), '2026-01-01T00:00:05.000Z');
    assert.equal(schedule.next(new Date('2026-01-01T00:00:05Z')).toISOString(), '2026-01-01T00:00:10.000Z');
  });

  it('handles day-of-week names and ranges', () => {
    const schedule = parseSchedule('0 30 9 * * MON-FRI');
    // 2026-01-03 is a Saturday: the next run is Monday 09:30.
    assert.equal(schedule.next(new Date('2026-01-03T12:00:00Z')).toISOString(), '2026-01-05T09:30:00.000Z');
  });

  it('evaluates in the given time zone across a DST change', () => {
    const schedule = parseSchedule('0 0 9 * * *', 'Europe/Zurich');
    assert.equal(schedule.next(new Date('2026-03-28T12:00:00Z')).toISOString(), '2026-03-29T07:00:00.000Z');
    assert.equal(schedule.next(new Date('2026-03-27T12:00:00Z')).toISOString(), '2026-03-28T08:00:00.000Z');
  });

  it('accepts TimeSpan intervals', () => {
    assert.equal(parseSchedule('00:05:00').next(new Date('2026-01-01T00:00:00Z')).toISOString(), '2026-01-01T00:05:00.000Z');
  });

  it('refuses five-field cron and nonsense with a message naming the problem', () => {
    assert.throws(() => parseSchedule('0 * * * *'), (err: unknown) => err instanceof ScheduleError && /needs 6 fields/.test(err.message));
    assert.throws(() => parseSchedule('0 61 * * * *'), ScheduleError);
    assert.throws(() => parseSchedule('00:00:00'), ScheduleError);
  });
});
