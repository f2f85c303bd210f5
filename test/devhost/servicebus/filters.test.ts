// Unit tests: SQL filter language, correlation rules and Config.json parsing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorConfigError, parseEmulatorConfig, parseIsoDuration, startServiceBusEmulator } from '../../../devhost/servicebus';
import { compileRule } from '../../../devhost/servicebus/rules';
import { compileSqlFilter, SqlFilterError, type FilterableMessage } from '../../../devhost/servicebus/sqlFilter';

const message: FilterableMessage = {
  messageId: 'm-1',
  subject: 'offer',
  sessionId: 'svc-1',
  contentType: 'application/json',
  applicationProperties: { region: 'eu', priority: 7, urgent: true, name: "O'Brien", count: 3 },
};

function matches(expression: string, m: FilterableMessage = message): boolean {
  return compileSqlFilter(expression).matches(m);
}

describe('SQL filters', () => {
  test('comparison, AND, OR, NOT and parentheses', () => {
    assert.equal(matches("region = 'eu'"), true);
    assert.equal(matches("region = 'us'"), false);
    assert.equal(matches("region = 'eu' AND priority > 5"), true);
    assert.equal(matches("region = 'eu' AND priority > 8"), false);
    assert.equal(matches("region = 'us' OR priority >= 7"), true);
    assert.equal(matches("NOT (region = 'us') AND (priority < 3 OR urgent = TRUE)"), true);
    assert.equal(matches('priority <> 7'), false);
    assert.equal(matches('priority != 6'), true);
    assert.equal(matches("name = 'O''Brien'"), true);
  });

  test('IN, NOT IN, LIKE, IS NULL, EXISTS, arithmetic, system properties', () => {
    assert.equal(matches("region IN ('us', 'eu')"), true);
    assert.equal(matches("region NOT IN ('us', 'eu')"), false);
    assert.equal(matches('priority IN (1, 2, 7)'), true);
    assert.equal(matches("sys.Label LIKE 'off%'"), true);
    assert.equal(matches("sys.Label LIKE 'o_fer'"), true);
    assert.equal(matches("sys.Label NOT LIKE 'off%'"), false);
    assert.equal(matches('missing IS NULL'), true);
    assert.equal(matches('region IS NOT NULL'), true);
    assert.equal(matches('EXISTS(region) AND NOT EXISTS(missing)'), true);
    assert.equal(matches('priority * 2 - count = 11'), true);
    assert.equal(matches("sys.MessageId = 'm-1' AND sys.SessionId = 'svc-1' AND sys.ContentType = 'application/json'"), true);
    assert.equal(matches("user.region = 'eu'"), true);
    assert.equal(matches('1=1'), true);
  });

  test('unknown (missing properties) never selects, as in SQL three-valued logic', () => {
    assert.equal(matches("missing = 'x'"), false);
    assert.equal(matches("NOT (missing = 'x')"), false);
    assert.equal(matches("missing = 'x' OR region = 'eu'"), true);
    assert.equal(matches("missing IN ('a')"), false);
    assert.equal(matches("priority = '7'"), false, 'no implicit string/number conversion');
  });

  test('syntax errors are refused when the filter is compiled', () => {
    assert.throws(() => compileSqlFilter("region = 'eu"), SqlFilterError);
    assert.throws(() => compileSqlFilter('region = '), SqlFilterError);
    assert.throws(() => compileSqlFilter('region IN ()'), SqlFilterError);
    assert.throws(() => compileSqlFilter("region = 'eu' garbage"), SqlFilterError);
  });

  test('correlation rules match every given field exactly', () => {
    const rule = compileRule({ name: 'r', filter: { kind: 'correlation', subject: 'offer', applicationProperties: { region: 'eu' } } });
    assert.equal(rule.matches(message), true);
    assert.equal(rule.matches({ ...message, subject: 'other' }), false);
    assert.equal(rule.matches({ ...message, applicationProperties: { region: 'us' } }), false);
  });
});

describe('Config.json', () => {
  test('ISO 8601 durations', () => {
    assert.equal(parseIsoDuration('PT1M'), 60_000);
    assert.equal(parseIsoDuration('PT20S'), 20_000);
    assert.equal(parseIsoDuration('PT1H'), 3_600_000);
    assert.equal(parseIsoDuration('P1DT2H'), 26 * 3_600_000);
    assert.equal(parseIsoDuration('PT0.5S'), 500);
    assert.throws(() => parseIsoDuration('1 minute'), EmulatorConfigError);
    assert.throws(() => parseIsoDuration('P'), EmulatorConfigError);
  });

  test('queues, topics, subscriptions and rules in Microsoft emulator shape', () => {
    const declarations = parseEmulatorConfig({
      UserConfig: {
        Namespaces: [
          {
            Name: 'sbemulatorns',
            Queues: [
              {
                Name: 'queue.1',
                Properties: {
                  DeadLetteringOnMessageExpiration: false,
                  DefaultMessageTimeToLive: 'PT1H',
                  DuplicateDetectionHistoryTimeWindow: 'PT20S',
                  ForwardDeadLetteredMessagesTo: '',
                  ForwardTo: '',
                  LockDuration: 'PT1M',
                  MaxDeliveryCount: 3,
                  RequiresDuplicateDetection: false,
                  RequiresSession: false,
                },
              },
            ],
            Topics: [
              {
                Name: 'topic.1',
                Properties: { DefaultMessageTimeToLive: 'PT1H', DuplicateDetectionHistoryTimeWindow: 'PT20S', RequiresDuplicateDetection: false },
                Subscriptions: [
                  {
                    Name: 'subscription.1',
                    Properties: { LockDuration: 'PT1M', MaxDeliveryCount: 3, RequiresSession: true },
                    Rules: [
                      { Name: 'sql', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: "a = 'b'" }, Action: { SqlExpression: "SET sys.To = 'x'" } } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
        Logging: { Type: 'File' },
      },
    });
    const queue = declarations.queues?.[0];
    assert.equal(queue?.name, 'queue.1');
    assert.equal(queue?.options?.lockDurationMs, 60_000);
    assert.equal(queue?.options?.maxDeliveryCount, 3);
    assert.equal(queue?.options?.duplicateDetectionWindowMs, 20_000);
    assert.equal(queue?.options?.defaultMessageTimeToLiveMs, 3_600_000);
    assert.equal(queue?.options?.forwardTo, undefined);
    const sub = declarations.topics?.[0]?.subscriptions?.[0];
    assert.equal(sub?.options?.requiresSession, true);
    assert.deepEqual(sub?.rules?.[0]?.filter, { kind: 'sql', expression: "a = 'b'" });
  });

  test('bad documents are refused with the path of the problem', () => {
    assert.throws(
      () => parseEmulatorConfig({ UserConfig: { Namespaces: [{ Queues: [{ Name: 'q', Properties: { LockDuration: 'soon' } }] }] } }),
      /Namespaces\.0\.Queues\.0\.Properties\.LockDuration/,
    );
    assert.throws(() => parseEmulatorConfig({}), EmulatorConfigError);
  });

  test('the emulator reads a Config.json file at start and refuses a broken one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
    try {
      const good = join(dir, 'Config.json');
      writeFileSync(good, JSON.stringify({ UserConfig: { Namespaces: [{ Name: 'sbemulatorns', Queues: [{ Name: 'q1' }], Topics: [{ Name: 't1', Subscriptions: [{ Name: 's1' }] }] }] } }));
      const emulator = await startServiceBusEmulator({ port: 0, configPath: good });
      try {
        assert.deepEqual(emulator.describe(), { queues: ['q1'], topics: [{ name: 't1', subscriptions: ['s1'] }] });
      } finally {
        await emulator.close();
      }
      const bad = join(dir, 'Bad.json');
      writeFileSync(bad, '{ "UserConfig": ');
      await assert.rejects(startServiceBusEmulator({ port: 0, configPath: bad }), EmulatorConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
