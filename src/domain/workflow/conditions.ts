// Check Parameter: the first condition that holds names the exit; none holding takes `else`.
import type { ConditionOperator } from './model';

export interface Condition {
  readonly parameter: string;
  readonly operator: ConditionOperator;
  readonly value?: string;
  readonly exit: string;
}

function holds(operator: ConditionOperator, actual: string | undefined, expected: string): boolean {
  switch (operator) {
    case 'exists':
      return actual !== undefined && actual !== '';
    case 'notExists':
      return actual === undefined || actual === '';
    case 'equals':
      return actual === expected;
    case 'notEquals':
      return actual !== expected;
    case 'contains':
      return actual?.toLowerCase().includes(expected.toLowerCase()) ?? false;
    case 'greaterThan':
    case 'lessThan': {
      const a = Number(actual);
      const b = Number(expected);
      if (actual === undefined || actual.trim() === '' || !Number.isFinite(a) || !Number.isFinite(b)) return false;
      return operator === 'greaterThan' ? a > b : a < b;
    }
    case 'matches':
      return actual !== undefined && new RegExp(expected).test(actual);
  }
}

export function chooseExit(conditions: readonly Condition[], parameters: Readonly<Record<string, string>>): string {
  return conditions.find((c) => holds(c.operator, parameters[c.parameter], c.value ?? ''))?.exit ?? 'else';
}
