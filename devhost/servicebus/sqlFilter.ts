// The Service Bus SQL filter language (the subset subscriptions use): comparisons, AND/OR/NOT,
// [NOT] IN, [NOT] LIKE, IS [NOT] NULL, EXISTS, arithmetic, over `sys.*` and application properties.
// Evaluation follows SQL's three-valued logic: a comparison with a missing property is unknown,
// and only a filter that is TRUE selects the message.

/** The properties of a message a filter can see. */
export interface FilterableMessage {
  readonly messageId?: string | undefined;
  readonly correlationId?: string | undefined;
  readonly to?: string | undefined;
  readonly replyTo?: string | undefined;
  readonly subject?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly replyToSessionId?: string | undefined;
  readonly contentType?: string | undefined;
  readonly applicationProperties: Readonly<Record<string, unknown>>;
}

export class SqlFilterError extends Error {
  override name = 'SqlFilterError';
}

type Value = string | number | boolean | null;

type Expr =
  | { kind: 'literal'; value: Value }
  | { kind: 'property'; scope: 'sys' | 'user'; name: string }
  | { kind: 'not'; operand: Expr }
  | { kind: 'negate'; operand: Expr }
  | { kind: 'logical'; op: 'AND' | 'OR'; left: Expr; right: Expr }
  | { kind: 'compare'; op: '=' | '<>' | '<' | '<=' | '>' | '>='; left: Expr; right: Expr }
  | { kind: 'arith'; op: '+' | '-' | '*' | '/' | '%'; left: Expr; right: Expr }
  | { kind: 'in'; operand: Expr; list: Expr[]; negated: boolean }
  | { kind: 'like'; operand: Expr; pattern: RegExp; negated: boolean }
  | { kind: 'isNull'; operand: Expr; negated: boolean }
  | { kind: 'exists'; property: Expr & { kind: 'property' } };

type Token =
  | { type: 'number'; value: number }
  | { type: 'string'; value: string }
  | { type: 'ident'; value: string }
  | { type: 'op'; value: string }
  | { type: 'end' };

const keywords = new Set(['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ESCAPE', 'IS', 'NULL', 'TRUE', 'FALSE', 'EXISTS']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new SqlFilterError(`unterminated string in: ${text}`);
        if (text.charAt(i) === "'") {
          if (text.charAt(i + 1) === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text.charAt(i++);
      }
      tokens.push({ type: 'string', value });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text.charAt(i + 1)))) {
      const match = /^[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i));
      const literal = match?.[0] ?? c;
      tokens.push({ type: 'number', value: Number(literal) });
      i += literal.length;
    } else if (c === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) throw new SqlFilterError(`unterminated [identifier] in: ${text}`);
      tokens.push({ type: 'ident', value: text.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z_$@]/.test(c)) {
      const match = /^[A-Za-z_$@][A-Za-z0-9_$@\-]*(?:\.[A-Za-z_$@[][A-Za-z0-9_$@\-\]]*)?/.exec(text.slice(i));
      const word = match?.[0] ?? c;
      tokens.push({ type: 'ident', value: word });
      i += word.length;
    } else {
      const two = text.slice(i, i + 2);
      if (two === '<>' || two === '!=' || two === '<=' || two === '>=') {
        tokens.push({ type: 'op', value: two === '!=' ? '<>' : two });
        i += 2;
      } else if ('=<>(),+-*/%'.includes(c)) {
        tokens.push({ type: 'op', value: c });
        i++;
      } else {
        throw new SqlFilterError(`unexpected character '${c}' in: ${text}`);
      }
    }
  }
  tokens.push({ type: 'end' });
  return tokens;
}

function likeToRegExp(pattern: string, escape: string | undefined): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (escape !== undefined && c === escape && i + 1 < pattern.length) {
      source += pattern.charAt(++i).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%') source += '[\\s\\S]*';
    else if (c === '_') source += '[\\s\\S]';
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  private peek(): Token {
    return this.tokens[this.pos] ?? { type: 'end' };
  }

  private next(): Token {
    const token = this.peek();
    this.pos++;
    return token;
  }

  private isKeyword(word: string, offset = 0): boolean {
    const token = this.tokens[this.pos + offset];
    return token?.type === 'ident' && token.value.toUpperCase() === word;
  }

  private isOp(op: string): boolean {
    const token = this.peek();
    return token.type === 'op' && token.value === op;
  }

  private expectOp(op: string): void {
    if (!this.isOp(op)) throw new SqlFilterError(`expected '${op}' in: ${this.text}`);
    this.pos++;
  }

  parse(): Expr {
    const expr = this.parseOr();
    if (this.peek().type !== 'end') throw new SqlFilterError(`unexpected input after position ${this.pos} in: ${this.text}`);
    return expr;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isKeyword('OR')) {
      this.pos++;
      left = { kind: 'logical', op: 'OR', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isKeyword('AND')) {
      this.pos++;
      left = { kind: 'logical', op: 'AND', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.isKeyword('NOT')) {
      this.pos++;
      return { kind: 'not', operand: this.parseNot() };
    }
    return this.parsePredicate();
  }

  private parsePredicate(): Expr {
    if (this.isKeyword('EXISTS')) {
      this.pos++;
      this.expectOp('(');
      const property = this.parsePrimary();
      this.expectOp(')');
      if (property.kind !== 'property') throw new SqlFilterError(`EXISTS needs a property in: ${this.text}`);
      return { kind: 'exists', property };
    }
    const left = this.parseAdditive();
    const token = this.peek();
    if (token.type === 'op' && ['=', '<>', '<', '<=', '>', '>='].includes(token.value)) {
      this.pos++;
      return { kind: 'compare', op: token.value as '=', left, right: this.parseAdditive() };
    }
    if (this.isKeyword('IS')) {
      this.pos++;
      const negated = this.isKeyword('NOT');
      if (negated) this.pos++;
      if (!this.isKeyword('NULL')) throw new SqlFilterError(`expected NULL after IS in: ${this.text}`);
      this.pos++;
      return { kind: 'isNull', operand: left, negated };
    }
    const negated = this.isKeyword('NOT') && (this.isKeyword('IN', 1) || this.isKeyword('LIKE', 1));
    if (negated) this.pos++;
    if (this.isKeyword('IN')) {
      this.pos++;
      this.expectOp('(');
      const list: Expr[] = [this.parseAdditive()];
      while (this.isOp(',')) {
        this.pos++;
        list.push(this.parseAdditive());
      }
      this.expectOp(')');
      return { kind: 'in', operand: left, list, negated };
    }
    if (this.isKeyword('LIKE')) {
      this.pos++;
      const pattern = this.next();
      if (pattern.type !== 'string') throw new SqlFilterError(`LIKE needs a string pattern in: ${this.text}`);
      let escape: string | undefined;
      if (this.isKeyword('ESCAPE')) {
        this.pos++;
        const e = this.next();
        if (e.type !== 'string' || e.value.length !== 1) throw new SqlFilterError(`ESCAPE needs one character in: ${this.text}`);
        escape = e.value;
      }
      return { kind: 'like', operand: left, pattern: likeToRegExp(pattern.value, escape), negated };
    }
    if (negated) throw new SqlFilterError(`expected IN or LIKE after NOT in: ${this.text}`);
    return left;
  }

  private parseAdditive(): Expr {
    let left = this.parseMultiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.next() as { value: '+' | '-' }).value;
      left = { kind: 'arith', op, left, right: this.parseMultiplicative() };
    }
    return left;
  }

  private parseMultiplicative(): Expr {
    let left = this.parseUnary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = (this.next() as { value: '*' | '/' | '%' }).value;
      left = { kind: 'arith', op, left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.isOp('-')) {
      this.pos++;
      return { kind: 'negate', operand: this.parseUnary() };
    }
    if (this.isOp('+')) {
      this.pos++;
      return this.parseUnary();
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const token = this.next();
    switch (token.type) {
      case 'number':
        return { kind: 'literal', value: token.value };
      case 'string':
        return { kind: 'literal', value: token.value };
      case 'op':
        if (token.value === '(') {
          const inner = this.parseOr();
          this.expectOp(')');
          return inner;
        }
        break;
      case 'ident': {
        const upper = token.value.toUpperCase();
        if (upper === 'NULL') return { kind: 'literal', value: null };
        if (upper === 'TRUE') return { kind: 'literal', value: true };
        if (upper === 'FALSE') return { kind: 'literal', value: false };
        if (keywords.has(upper)) break;
        const dot = token.value.indexOf('.');
        const prefix = dot > 0 ? token.value.slice(0, dot).toLowerCase() : '';
        const unbracket = (s: string): string => s.replace(/^\[|\]$/g, '');
        if (prefix === 'sys') return { kind: 'property', scope: 'sys', name: unbracket(token.value.slice(dot + 1)) };
        if (prefix === 'user') return { kind: 'property', scope: 'user', name: unbracket(token.value.slice(dot + 1)) };
        return { kind: 'property', scope: 'user', name: token.value };
      }
      case 'end':
        break;
    }
    throw new SqlFilterError(`unexpected token in: ${this.text}`);
  }
}

function systemProperty(message: FilterableMessage, name: string): Value | undefined {
  switch (name.toLowerCase()) {
    case 'messageid':
      return message.messageId;
    case 'correlationid':
      return message.correlationId;
    case 'to':
      return message.to;
    case 'replyto':
      return message.replyTo;
    case 'label':
    case 'subject':
      return message.subject;
    case 'sessionid':
      return message.sessionId;
    case 'replytosessionid':
      return message.replyToSessionId;
    case 'contenttype':
      return message.contentType;
    default:
      return undefined;
  }
}

function userProperty(message: FilterableMessage, name: string): Value | undefined {
  const props = message.applicationProperties;
  let value: unknown = Object.prototype.hasOwnProperty.call(props, name) ? props[name] : undefined;
  if (value === undefined) {
    // The service matches property names without regard to case.
    const lower = name.toLowerCase();
    const key = Object.keys(props).find((k) => k.toLowerCase() === lower);
    value = key === undefined ? undefined : props[key];
  }
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.getTime();
  return String(value);
}

function compare(op: string, a: Value, b: Value): boolean | null {
  if (a === null || b === null) return null;
  if (typeof a !== typeof b) {
    // Numbers compare with numbers; anything else of mixed types is unknown, as in the service.
    return null;
  }
  switch (op) {
    case '=':
      return a === b;
    case '<>':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return null;
  }
}

function evaluate(expr: Expr, message: FilterableMessage): Value {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'property': {
      const value = expr.scope === 'sys' ? systemProperty(message, expr.name) : userProperty(message, expr.name);
      return value ?? null;
    }
    case 'exists':
      return (
        (expr.property.scope === 'sys'
          ? systemProperty(message, expr.property.name)
          : userProperty(message, expr.property.name)) !== undefined
      );
    case 'not': {
      const v = evaluate(expr.operand, message);
      return v === null ? null : !toBoolean(v);
    }
    case 'negate': {
      const v = evaluate(expr.operand, message);
      return typeof v === 'number' ? -v : null;
    }
    case 'logical': {
      const l = toTriState(evaluate(expr.left, message));
      if (expr.op === 'AND' && l === false) return false;
      if (expr.op === 'OR' && l === true) return true;
      const r = toTriState(evaluate(expr.right, message));
      if (expr.op === 'AND') return r === false ? false : l === null || r === null ? null : true;
      return r === true ? true : l === null || r === null ? null : false;
    }
    case 'compare':
      return compare(expr.op, evaluate(expr.left, message), evaluate(expr.right, message));
    case 'arith': {
      const l = evaluate(expr.left, message);
      const r = evaluate(expr.right, message);
      if (expr.op === '+' && typeof l === 'string' && typeof r === 'string') return l + r;
      if (typeof l !== 'number' || typeof r !== 'number') return null;
      switch (expr.op) {
        case '+':
          return l + r;
        case '-':
          return l - r;
        case '*':
          return l * r;
        case '/':
          return r === 0 ? null : l / r;
        case '%':
          return r === 0 ? null : l % r;
      }
      return null;
    }
    case 'in': {
      const v = evaluate(expr.operand, message);
      if (v === null) return null;
      const found = expr.list.some((item) => compare('=', v, evaluate(item, message)) === true);
      return expr.negated ? !found : found;
    }
    case 'like': {
      const v = evaluate(expr.operand, message);
      if (typeof v !== 'string') return null;
      const matched = expr.pattern.test(v);
      return expr.negated ? !matched : matched;
    }
    case 'isNull': {
      const isNull = evaluate(expr.operand, message) === null;
      return expr.negated ? !isNull : isNull;
    }
  }
}

function toTriState(v: Value): boolean | null {
  return v === null ? null : toBoolean(v);
}

function toBoolean(v: Exclude<Value, null>): boolean {
  return typeof v === 'boolean' ? v : typeof v === 'number' ? v !== 0 : v.length > 0;
}

export interface SqlFilter {
  readonly expression: string;
  matches(message: FilterableMessage): boolean;
}

/** Parses once (throws SqlFilterError on bad syntax) so a broken rule is refused when declared, not at send time. */
export function compileSqlFilter(expression: string): SqlFilter {
  const ast = new Parser(tokenize(expression), expression).parse();
  return {
    expression,
    matches: (message) => evaluate(ast, message) === true,
  };
}
