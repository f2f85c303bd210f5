// Subscription rules: which copies of a topic message a subscription receives.
import type { RuleDeclaration, RuleFilter } from './config';
import { compileSqlFilter, type FilterableMessage } from './sqlFilter';

export interface Rule {
  readonly name: string;
  readonly filter: RuleFilter;
  matches(message: FilterableMessage): boolean;
}

export const defaultRuleName = '$Default';

function correlationMatches(filter: Extract<RuleFilter, { kind: 'correlation' }>, message: FilterableMessage): boolean {
  const pairs: Array<[string | undefined, string | undefined]> = [
    [filter.correlationId, message.correlationId],
    [filter.messageId, message.messageId],
    [filter.to, message.to],
    [filter.replyTo, message.replyTo],
    [filter.subject, message.subject],
    [filter.sessionId, message.sessionId],
    [filter.replyToSessionId, message.replyToSessionId],
    [filter.contentType, message.contentType],
  ];
  for (const [expected, actual] of pairs) {
    if (expected !== undefined && expected !== null && expected !== actual) return false;
  }
  for (const [key, expected] of Object.entries(filter.applicationProperties ?? {})) {
    if (message.applicationProperties[key] !== expected) return false;
  }
  return true;
}

/** Compiles a declared rule; a SQL syntax error throws here, when the rule is declared. */
export function compileRule(declaration: RuleDeclaration): Rule {
  const filter = declaration.filter;
  switch (filter.kind) {
    case 'true':
      return { name: declaration.name, filter, matches: () => true };
    case 'false':
      return { name: declaration.name, filter, matches: () => false };
    case 'correlation':
      return { name: declaration.name, filter, matches: (m) => correlationMatches(filter, m) };
    case 'sql': {
      const trimmed = filter.expression.trim();
      if (trimmed === '1=1') return { name: declaration.name, filter: { kind: 'true' }, matches: () => true };
      if (trimmed === '1=0') return { name: declaration.name, filter: { kind: 'false' }, matches: () => false };
      const sql = compileSqlFilter(filter.expression);
      return { name: declaration.name, filter, matches: (m) => sql.matches(m) };
    }
  }
}

export function defaultRule(): Rule {
  return compileRule({ name: defaultRuleName, filter: { kind: 'true' } });
}
