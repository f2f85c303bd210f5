// ASP.NET-style route templates as HTTP triggers use them: `orders/{id:int}/{*rest}`, `{name?}`, constraints.

export type RouteParams = Record<string, string>;

interface Parameter {
  name: string;
  optional: boolean;
  catchAll: boolean;
  constraints: Constraint[];
}

type Constraint = (value: string) => boolean;

const guidPattern = /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[)}]?$/i;

function numberArgs(name: string, args: string): number[] {
  const values = args.split(',').map((a) => Number(a.trim()));
  if (values.some((v) => !Number.isFinite(v))) throw new RouteTemplateError(`constraint ${name}(${args}) needs numbers`);
  return values;
}

function toConstraint(spec: string): Constraint {
  const match = /^([a-zA-Z]+)(?:\((.*)\))?$/.exec(spec);
  if (!match) throw new RouteTemplateError(`unknown route constraint "${spec}"`);
  const name = (match[1] ?? '').toLowerCase();
  const args = match[2] ?? '';
  const isInteger = (v: string): boolean => /^-?\d+$/.test(v);
  const isNumber = (v: string): boolean => /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(v);
  switch (name) {
    case 'int':
      return (v) => isInteger(v) && Math.abs(Number(v)) <= 2 ** 31;
    case 'long':
      return isInteger;
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'guid':
      return (v) => guidPattern.test(v);
    case 'double':
    case 'float':
    case 'decimal':
      return isNumber;
    case 'datetime':
      return (v) => !Number.isNaN(Date.parse(v));
    case 'minlength': {
      const [min = 0] = numberArgs(name, args);
      return (v) => v.length >= min;
    }
    case 'maxlength': {
      const [max = 0] = numberArgs(name, args);
      return (v) => v.length <= max;
    }
    case 'length': {
      const [a = 0, b] = numberArgs(name, args);
      return b === undefined ? (v) => v.length === a : (v) => v.length >= a && v.length <= b;
    }
    case 'min': {
      const [min = 0] = numberArgs(name, args);
      return (v) => isInteger(v) && Number(v) >= min;
    }
    case 'max': {
      const [max = 0] = numberArgs(name, args);
      return (v) => isInteger(v) && Number(v) <= max;
    }
    case 'range': {
      const [min = 0, max = 0] = numberArgs(name, args);
      return (v) => isInteger(v) && Number(v) >= min && Number(v) <= max;
    }
    case 'regex': {
      const pattern = new RegExp(args, 'i');
      return (v) => pattern.test(v);
    }
    default:
      throw new RouteTemplateError(`unknown route constraint "${spec}"`);
  }
}

export class RouteTemplateError extends Error {
  override name = 'RouteTemplateError';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function parseParameter(body: string): Parameter {
  // {*rest}, {id?}, {id:int}, {id:int:min(1)?}, {id:regex(^a:b$)}
  let text = body;
  const catchAll = text.startsWith('*');
  if (catchAll) text = text.replace(/^\*+/, '');
  const optional = text.endsWith('?');
  if (optional) text = text.slice(0, -1);
  const [name, ...specs] = splitConstraints(text);
  if (!name || !/^[A-Za-z_][\w]*$/.test(name)) throw new RouteTemplateError(`invalid route parameter "{${body}}"`);
  return { name, optional, catchAll, constraints: specs.map(toConstraint) };
}

/** Splits `id:int:regex(a:b)` on colons that are not inside parentheses. */
function splitConstraints(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ':' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

export class RouteTemplate {
  readonly template: string;
  readonly #pattern: RegExp;
  readonly #parameters: Parameter[] = [];
  /** Higher is more specific: literal segments beat parameters, parameters beat catch-alls. */
  readonly specificity: number;

  constructor(template: string) {
    this.template = template.replace(/^\/+|\/+$/g, '');
    let source = '^';
    let specificity = 0;
    const segments = this.template === '' ? [] : this.template.split('/');
    for (const segment of segments) {
      const whole = /^\{([^{}]+)\}$/.exec(segment);
      if (whole) {
        const parameter = parseParameter(whole[1] ?? '');
        this.#parameters.push(parameter);
        if (parameter.catchAll) {
          source += '(?:/(.*))?';
        } else if (parameter.optional) {
          source += '(?:/([^/]+))?';
          specificity += 1;
        } else {
          source += '/([^/]+)';
          specificity += parameter.constraints.length > 0 ? 3 : 2;
        }
        continue;
      }
      // A literal segment, possibly with embedded parameters such as `{name}.{ext}`.
      source += '/';
      let rest = segment;
      let literal = true;
      for (;;) {
        const open = rest.indexOf('{');
        if (open < 0) break;
        const close = rest.indexOf('}', open);
        if (close < 0) throw new RouteTemplateError(`unbalanced braces in route "${template}"`);
        source += escapeRegExp(rest.slice(0, open));
        const parameter = parseParameter(rest.slice(open + 1, close));
        if (parameter.catchAll) throw new RouteTemplateError(`catch-all parameter must be a whole segment in "${template}"`);
        this.#parameters.push(parameter);
        source += parameter.optional ? '([^/]*?)' : '([^/]+?)';
        literal = false;
        rest = rest.slice(close + 1);
      }
      source += escapeRegExp(rest);
      specificity += literal ? 10 : 4;
    }
    this.#pattern = new RegExp(`${source}/?$`, 'i');
    this.specificity = specificity;
  }

  /** Matches a path relative to the route prefix (leading slash included, e.g. `/orders/5`). */
  match(path: string): RouteParams | undefined {
    const normalized = path === '' ? '/' : path;
    const result = this.#pattern.exec(normalized === '/' ? '' : normalized);
    if (!result) return undefined;
    const params: RouteParams = {};
    for (const [index, parameter] of this.#parameters.entries()) {
      const raw = result[index + 1];
      if (raw === undefined || raw === '') {
        if (!parameter.optional && !parameter.catchAll) return undefined;
        continue;
      }
      let value: string;
      try {
        value = parameter.catchAll ? raw.split('/').map(decodeURIComponent).join('/') : decodeURIComponent(raw);
      } catch {
        return undefined;
      }
      if (!parameter.constraints.every((accept) => accept(value))) return undefined;
      params[parameter.name] = value;
    }
    return params;
  }
}
