// Opening hours by the calendar zone's wall clock: across a zone boundary, DST changes, holidays and special days.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateCalendar, isCalendarDate, isTimeZone, rangesProblem, type Calendar } from '../../../src/domain/calendar';

const office = (ranges = [{ from: '08:00', to: '12:00' }, { from: '13:00', to: '18:00' }]) => ({ mon: ranges, tue: ranges, wed: ranges, thu: ranges, fri: ranges, sat: [], sun: [] });

const zurich: Pick<Calendar, 'timeZone' | 'weekly' | 'holidays' | 'specialDays'> = {
  timeZone: 'Europe/Zurich',
  weekly: { ...office(), sun: [{ from: '22:00', to: '24:00' }], mon: [{ from: '00:00', to: '01:00' }, { from: '08:00', to: '18:00' }] },
  holidays: [
    { date: '2026-08-01', name: 'Swiss National Day', annual: true },
    { date: '2026-12-25', name: 'Christmas', annual: false },
  ],
  specialDays: [
    { date: '2026-12-24', name: 'Christmas Eve', hours: [{ from: '08:00', to: '12:00' }] },
    { date: '2026-12-31', name: 'New Year\'s Eve', hours: [] },
    // A special day that is also a holiday: the holiday wins.
    { date: '2026-12-25', name: 'Christmas opening', hours: [{ from: '00:00', to: '24:00' }] },
  ],
};

const at = (iso: string) => evaluateCalendar(zurich, new Date(iso));

describe('evaluateCalendar', () => {
  it('uses the calendar zone, not UTC, around midnight (Zurich is UTC+1 in winter)', () => {
    // Sunday 22:30 UTC is Sunday 23:30 in Zurich: inside the Sunday 22:00-24:00 range.
    assert.equal(at('2026-11-22T22:30:00Z'), 'open');
    // Sunday 23:30 UTC is Monday 00:30 in Zurich: the Monday 00:00-01:00 range.
    assert.equal(at('2026-11-22T23:30:00Z'), 'open');
    // Monday 00:30 UTC is 01:30 Zurich: closed until 08:00, although 00:30 would be inside 00:00-01:00 in UTC.
    assert.equal(at('2026-11-23T00:30:00Z'), 'closed');
    // Sunday 20:30 UTC is 21:30 Zurich: not yet open, although UTC's 20:30 + 1h reaches the range only at 21:00 UTC.
    assert.equal(at('2026-11-22T20:59:59Z'), 'closed');
    assert.equal(at('2026-11-22T21:00:00Z'), 'open', 'opens exactly at 22:00 local');
  });

  it('from is inclusive and to exclusive; lunch break closed', () => {
    assert.equal(at('2026-11-24T06:59:59Z'), 'closed'); // Tue 07:59:59
    assert.equal(at('2026-11-24T07:00:00Z'), 'open'); // Tue 08:00
    assert.equal(at('2026-11-24T10:59:59Z'), 'open'); // 11:59:59
    assert.equal(at('2026-11-24T11:00:00Z'), 'closed'); // 12:00
    assert.equal(at('2026-11-24T12:00:00Z'), 'open'); // 13:00
    assert.equal(at('2026-11-24T17:00:00Z'), 'closed'); // 18:00
    assert.equal(at('2026-11-28T10:00:00Z'), 'closed', 'Saturday');
  });

  it('keeps wall-clock hours across DST: 08:00 local is 07:00 UTC in winter and 06:00 UTC in summer', () => {
    // Spring forward: Sunday 29 March 2026, 02:00 -> 03:00 in Zurich. Monday 30 March is summer time.
    assert.equal(at('2026-03-27T07:00:00Z'), 'open', 'Friday before: 08:00 CET');
    assert.equal(at('2026-03-30T06:00:00Z'), 'open', 'Monday after: 08:00 CEST');
    assert.equal(at('2026-03-27T06:30:00Z'), 'closed', 'winter 07:30');
    assert.equal(at('2026-03-30T05:30:00Z'), 'closed', 'summer 07:30');
    assert.equal(at('2026-03-30T15:59:59Z'), 'open', 'summer 17:59:59');
    assert.equal(at('2026-03-30T16:00:00Z'), 'closed', 'summer 18:00');
    // Fall back: Sunday 25 October 2026, 03:00 -> 02:00. The Sunday 22:00 range is 20:00 UTC in summer, 21:00 UTC after.
    assert.equal(at('2026-10-18T20:30:00Z'), 'open', 'summer Sunday 22:30');
    assert.equal(at('2026-10-25T20:30:00Z'), 'closed', 'winter Sunday 21:30');
    assert.equal(at('2026-10-25T21:30:00Z'), 'open', 'winter Sunday 22:30');
  });

  it('a range on the night of a DST change follows the wall clock', () => {
    const night = { ...zurich, weekly: { ...zurich.weekly, sun: [{ from: '02:00', to: '03:00' }] } };
    // On 29 March 02:00-03:00 does not exist in Zurich: 00:59 UTC is 01:59 CET, 01:00 UTC is 03:00 CEST.
    assert.equal(evaluateCalendar(night, new Date('2026-03-29T00:59:00Z')), 'closed');
    assert.equal(evaluateCalendar(night, new Date('2026-03-29T01:00:00Z')), 'closed');
    // On 25 October 02:00-03:00 happens twice: open both times.
    assert.equal(evaluateCalendar(night, new Date('2026-10-25T00:30:00Z')), 'open', '02:30 CEST');
    assert.equal(evaluateCalendar(night, new Date('2026-10-25T01:30:00Z')), 'open', '02:30 CET');
    assert.equal(evaluateCalendar(night, new Date('2026-10-25T02:30:00Z')), 'closed', '03:30 CET');
  });

  it('holidays: all day in the calendar zone, annual ones every year, winning over special days', () => {
    // 1 August 2027 is a Sunday, but at 23:30 Zurich it would be open by the weekly hours.
    assert.equal(at('2027-08-01T21:30:00Z'), 'holiday', 'annual');
    assert.equal(at('2026-07-31T21:59:59Z'), 'closed', '23:59:59 on 31 July, a Friday after hours');
    assert.equal(at('2026-07-31T22:00:00Z'), 'holiday', '00:00 on 1 August in Zurich is still 31 July in UTC');
    assert.equal(at('2026-12-25T10:00:00Z'), 'holiday');
    assert.equal(at('2027-12-25T10:00:00Z'), 'closed', 'not annual: 25 December 2027 is a Saturday');
  });

  it('special days replace the weekday hours', () => {
    assert.equal(at('2026-12-24T10:00:00Z'), 'open', 'Thursday 11:00');
    assert.equal(at('2026-12-24T13:00:00Z'), 'closed', 'Thursday 14:00, normally open');
    assert.equal(at('2026-12-31T10:00:00Z'), 'closed', 'no hours: closed all day');
  });

  it('the same instant differs between zones', () => {
    const utc = { ...zurich, timeZone: 'UTC', holidays: [], specialDays: [] };
    const ny = { ...utc, timeZone: 'America/New_York' };
    const instant = new Date('2026-11-24T17:30:00Z');
    assert.equal(evaluateCalendar(utc, instant), 'open', '17:30 UTC');
    assert.equal(evaluateCalendar(zurich, instant), 'closed', '18:30 Zurich');
    assert.equal(evaluateCalendar(ny, instant), 'closed', '12:30 New York: the lunch break');
    assert.equal(evaluateCalendar(ny, new Date('2026-11-24T22:30:00Z')), 'open', '17:30 New York');
    assert.equal(evaluateCalendar(utc, new Date('2026-11-24T22:30:00Z')), 'closed', '22:30 UTC');
  });
});

describe('calendar values', () => {
  it('time zones are IANA names', () => {
    assert.equal(isTimeZone('Europe/Zurich'), true);
    assert.equal(isTimeZone('UTC'), true);
    assert.equal(isTimeZone('Europe/Atlantis'), false);
    assert.equal(isTimeZone('CEST'), false);
  });

  it('dates are real YYYY-MM-DD dates', () => {
    assert.equal(isCalendarDate('2028-02-29'), true);
    assert.equal(isCalendarDate('2027-02-29'), false);
    assert.equal(isCalendarDate('2026-13-01'), false);
    assert.equal(isCalendarDate('1.8.2026'), false);
  });

  it('ranges: HH:mm, ending after they start, not overlapping', () => {
    assert.equal(rangesProblem([{ from: '08:00', to: '12:00' }, { from: '12:00', to: '24:00' }]), undefined);
    assert.deepEqual(rangesProblem([{ from: '8:00', to: '12:00' }])?.field, 'from');
    assert.deepEqual(rangesProblem([{ from: '08:00', to: '24:01' }])?.field, 'to');
    assert.deepEqual(rangesProblem([{ from: '24:00', to: '24:00' }])?.field, 'from');
    assert.match(rangesProblem([{ from: '22:00', to: '02:00' }])?.message ?? '', /split overnight hours at 24:00/);
    const overlap = rangesProblem([{ from: '13:00', to: '18:00' }, { from: '08:00', to: '13:30' }]);
    assert.equal(overlap?.index, 0);
    assert.match(overlap?.message ?? '', /overlaps the range 08:00-13:30/);
  });
});
