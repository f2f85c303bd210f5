// Maps a request path and method to an HTTP-triggered function, as the Functions host's router does.
import type { RegisteredFunction } from '../extension';
import { RouteTemplate, type RouteParams } from './routeTemplate';

export type AuthLevel = 'anonymous' | 'function' | 'admin';

export interface HttpRoute {
  readonly fn: RegisteredFunction;
  readonly template: RouteTemplate;
  /** Upper-case methods; empty means every method. */
  readonly methods: readonly string[];
  readonly authLevel: AuthLevel;
}

export type RouteMatch =
  | { kind: 'found'; route: HttpRoute; params: RouteParams }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

function toAuthLevel(value: unknown, functionName: string): AuthLevel {
  const level = String(value ?? 'anonymous').toLowerCase();
  if (level === 'anonymous' || level === 'function' || level === 'admin') return level;
  throw new Error(`Function "${functionName}": unknown authLevel "${String(value)}"`);
}

export class HttpRouter {
  readonly routes: readonly HttpRoute[];

  constructor(functions: readonly RegisteredFunction[]) {
    const routes = functions
      .filter((fn) => fn.trigger.type.toLowerCase() === 'httptrigger')
      .map((fn): HttpRoute => {
        const binding = fn.trigger.binding;
        const methods = Array.isArray(binding['methods']) ? (binding['methods'] as unknown[]).map((m) => String(m).toUpperCase()) : [];
        const route = typeof binding['route'] === 'string' && binding['route'].length > 0 ? binding['route'] : fn.name;
        return { fn, template: new RouteTemplate(route), methods, authLevel: toAuthLevel(binding['authLevel'], fn.name) };
      });
    // More specific templates first, like ASP.NET routing; ties keep registration order.
    this.routes = routes.map((route, index) => ({ route, index })).sort((a, b) => b.route.template.specificity - a.route.template.specificity || a.index - b.index).map(({ route }) => route);
  }

  /** `path` is relative to the route prefix, with a leading slash. */
  match(method: string, path: string): RouteMatch {
    const upper = method.toUpperCase();
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = route.template.match(path);
      if (!params) continue;
      if (route.methods.length === 0 || route.methods.includes(upper)) return { kind: 'found', route, params };
      route.methods.forEach((m) => allowed.add(m));
    }
    return allowed.size > 0 ? { kind: 'method-not-allowed', allowed: [...allowed] } : { kind: 'not-found' };
  }
}
