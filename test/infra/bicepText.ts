// A small reader for the subset of Bicep that infra/ uses, for the drift tests: it finds params,
// outputs, resources, modules, object literal entries and loops by scanning the text. It is not a
// Bicep compiler (none runs on this machine); it is deliberately strict, so a template it cannot
// read makes a test fail rather than pass.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const repoRoot = join(__dirname, '..', '..', '..');
export const infraDir = join(repoRoot, 'infra');

export interface BicepFile {
  readonly path: string;
  readonly text: string;
}

export function readBicep(path: string): BicepFile {
  return { path: relative(repoRoot, path), text: readFileSync(path, 'utf8') };
}

export function infraBicepFiles(dir: string = infraDir): BicepFile[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return infraBicepFiles(path);
      return entry.name.endsWith('.bicep') ? [readBicep(path)] : [];
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The text with comments and the literal parts of strings blanked out (same length, same line
 * breaks), keeping `${...}` interpolations: braces, identifiers and keywords stay where they were.
 */
export function mask(text: string): string {
  const out = text.split('');
  const blank = (i: number): void => {
    if (out[i] !== '\n') out[i] = ' ';
  };
  // Stack of contexts: 'code' (inside an interpolation, counting braces) or 'string'.
  const stack: { kind: 'code' | 'string'; depth: number }[] = [{ kind: 'code', depth: 0 }];
  let i = 0;
  while (i < text.length) {
    const top = stack[stack.length - 1] ?? { kind: 'code', depth: 0 };
    const c = text[i];
    const next = text[i + 1];
    if (top.kind === 'string') {
      if (c === '\\') {
        blank(i);
        blank(i + 1);
        i += 2;
      } else if (c === "'") {
        stack.pop();
        i += 1;
      } else if (c === '$' && next === '{') {
        stack.push({ kind: 'code', depth: 0 });
        i += 2;
      } else {
        blank(i);
        i += 1;
      }
      continue;
    }
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') blank(i++);
    } else if (c === '/' && next === '*') {
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) blank(i++);
      blank(i);
      blank(i + 1);
      i += 2;
    } else if (c === "'") {
      stack.push({ kind: 'string', depth: 0 });
      i += 1;
    } else if (c === '{') {
      top.depth += 1;
      i += 1;
    } else if (c === '}') {
      if (top.depth === 0 && stack.length > 1) stack.pop();
      else top.depth -= 1;
      i += 1;
    } else {
      i += 1;
    }
  }
  return out.join('');
}

const opening: Record<string, string> = { '{': '}', '[': ']', '(': ')' };

/** Index of the bracket that closes the one at `open`, in masked text. */
export function matchingClose(masked: string, open: number): number {
  const stack: string[] = [];
  for (let i = open; i < masked.length; i += 1) {
    const c = masked[i] ?? '';
    if (c in opening) stack.push(opening[c] ?? '');
    else if (c === '}' || c === ']' || c === ')') {
      if (stack.pop() !== c) throw new Error(`unbalanced '${c}' at offset ${i}`);
      if (stack.length === 0) return i;
    }
  }
  throw new Error(`no closing bracket for offset ${open}`);
}

export interface Entry {
  readonly key: string;
  /** The value's source text, trimmed. */
  readonly value: string;
  readonly valueStart: number;
}

/** The key/value entries directly inside the object literal whose `{` is at `open`. */
export function objectEntries(text: string, open: number): Entry[] {
  const masked = mask(text);
  const close = matchingClose(masked, open);
  const entries: Entry[] = [];
  let i = open + 1;
  while (i < close) {
    const rest = text.slice(i, close);
    const key = /^[\s,]*('(?:[^'\\]|\\.)*'|[A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(rest);
    if (!key) {
      if (/^\s*$/.test(rest)) break;
      throw new Error(`cannot read an object entry at ${JSON.stringify(rest.slice(0, 40))}`);
    }
    const valueStart = i + key[0].length;
    let j = valueStart;
    const depth: string[] = [];
    while (j < close) {
      const c = masked[j] ?? '';
      if (c in opening) depth.push(c);
      else if (c === '}' || c === ']' || c === ')') depth.pop();
      else if (depth.length === 0 && (c === '\n' || c === ',') && text.slice(valueStart, j).trim() !== '') break;
      j += 1;
    }
    const rawKey = key[1] ?? '';
    entries.push({ key: rawKey.startsWith("'") ? rawKey.slice(1, -1) : rawKey, value: text.slice(valueStart, j).trim(), valueStart });
    i = j;
  }
  return entries;
}

export function entry(text: string, open: number, key: string): Entry | undefined {
  return objectEntries(text, open).find((e) => e.key === key);
}

/** Offset of the first `{` at or after `from` (in code, not in a string). */
export function nextBrace(text: string, from: number): number {
  const at = mask(text).indexOf('{', from);
  if (at < 0) throw new Error(`no '{' after offset ${from}`);
  return at;
}

export interface Param {
  readonly name: string;
  readonly hasDefault: boolean;
}

export function params(text: string): Param[] {
  return [...mask(text).matchAll(/^\s*param\s+(\w+)\b([^\n]*)$/gm)].map((m) => ({ name: m[1] ?? '', hasDefault: (m[2] ?? '').includes('=') }));
}

/** Params whose name appears nowhere but in their declaration (object keys named like them do not count). */
export function unusedParams(text: string): string[] {
  const masked = mask(text);
  return params(text)
    .map((p) => p.name)
    .filter((name) => {
      const uses = [...masked.matchAll(new RegExp(`\\b${name}\\b`, 'g'))].filter((m) => {
        const lineStart = masked.lastIndexOf('\n', m.index) + 1;
        const before = masked.slice(lineStart, m.index);
        if (/^\s*param\s+$/.test(before)) return false;
        const isKey = /(^|[{,])\s*$/.test(before) && /^\s*:/.test(masked.slice(m.index + name.length));
        return !isKey;
      });
      return uses.length === 0;
    });
}

export function outputs(text: string): string[] {
  return [...mask(text).matchAll(/^\s*output\s+(\w+)\s/gm)].map((m) => m[1] ?? '');
}

export interface ResourceDecl {
  readonly symbol: string;
  readonly type: string;
  readonly apiVersion: string;
  readonly existing: boolean;
  /** `for <loopVar> in <collection>:` when the resource is a loop. */
  readonly loop: { readonly variable: string; readonly collection: string } | undefined;
  /** Offset of the body's `{`. */
  readonly body: number;
}

function declarations(text: string, keyword: 'resource' | 'module'): { m: RegExpExecArray; loop: ResourceDecl['loop']; body: number }[] {
  const masked = mask(text);
  const pattern = new RegExp(`^\\s*${keyword}\\s+(\\w+)\\s+'([^']+)'\\s*(existing\\s*)?=\\s*(\\[\\s*for\\s+(\\w+)\\s+in\\s+([^:]+?)\\s*:\\s*(?:if\\s*\\([^\\n]*\\)\\s*)?)?`, 'gm');
  const found: { m: RegExpExecArray; loop: ResourceDecl['loop']; body: number }[] = [];
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (masked.slice(m.index, m.index + m[0].length).trim() === '') continue; // inside a comment
    const loop = m[5] && m[6] ? { variable: m[5], collection: m[6].trim() } : undefined;
    found.push({ m, loop, body: nextBrace(text, m.index + m[0].length) });
  }
  return found;
}

export function resources(text: string): ResourceDecl[] {
  return declarations(text, 'resource').map(({ m, loop, body }) => {
    const [type = '', apiVersion = ''] = (m[2] ?? '').split('@');
    return { symbol: m[1] ?? '', type, apiVersion, existing: m[3] !== undefined, loop, body };
  });
}

export interface ModuleDecl {
  readonly symbol: string;
  readonly path: string;
  readonly loop: ResourceDecl['loop'];
  readonly body: number;
  /** Names passed in `params: { ... }`. */
  readonly params: string[];
}

export function modules(text: string): ModuleDecl[] {
  return declarations(text, 'module').map(({ m, loop, body }) => {
    const passed = entry(text, body, 'params');
    return {
      symbol: m[1] ?? '',
      path: m[2] ?? '',
      loop,
      body,
      params: passed ? objectEntries(text, nextBrace(text, passed.valueStart)).map((e) => e.key) : [],
    };
  });
}

/** The source text of `var <name> = <expression>`, up to the end of the expression. */
export function variable(text: string, name: string): { value: string; start: number } | undefined {
  const m = new RegExp(`^\\s*var\\s+${name}\\s*=\\s*`, 'm').exec(text);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  const masked = mask(text);
  let j = start;
  const depth: string[] = [];
  while (j < text.length) {
    const c = masked[j] ?? '';
    if (c in opening) depth.push(c);
    else if (c === '}' || c === ']' || c === ')') depth.pop();
    else if (c === '\n' && depth.length === 0) break;
    j += 1;
  }
  return { value: text.slice(start, j).trim(), start };
}

/** Paths given to loadJsonContent(...) in the file. */
export function loadJsonPaths(text: string): string[] {
  return [...text.matchAll(/loadJsonContent\('([^']+)'\)/g)].map((m) => m[1] ?? '');
}

/** Collapses whitespace, for comparing expressions. */
export function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
