// Website origins a service accepts chats from (the widget's CORS allow-list): exact origins such as
// `https://shop.contoso.example`, or `https://*.contoso.example` for any subdomain of contoso.example.

const wildcardPrefix = '*.';
// A stand-in label for `*` so that URL parsing can check the rest of a wildcard pattern.
const wildcardLabel = 'wildcard-label';
const hostLabel = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

interface ParsedOrigin {
  readonly scheme: 'http:' | 'https:';
  readonly host: string;
  /** Empty for the scheme's default port, as browsers send it in the Origin header. */
  readonly port: string;
  readonly wildcard: boolean;
}

function parse(text: string): ParsedOrigin | string {
  const match = /^(https?):\/\/(.*)$/i.exec(text);
  if (!match) return 'must start with http:// or https://';
  const scheme = match[1] ?? '';
  let authority = match[2] ?? '';
  const wildcard = authority.startsWith(wildcardPrefix);
  if (wildcard) authority = `${wildcardLabel}.${authority.slice(wildcardPrefix.length)}`;
  if (authority.includes('*')) return 'a wildcard may only be a leading "*." before the domain, as in https://*.contoso.example';
  if (/[/?#@\\]/.test(authority)) return 'an origin is scheme://host[:port], with no path, query, fragment or credentials (no trailing "/")';
  let url: URL;
  try {
    url = new URL(`${scheme}://${authority}`);
  } catch {
    return 'is not a valid origin';
  }
  const host = url.hostname;
  // Browsers send hosts as DNS names (or IP literals); refuse what no Origin header could carry.
  const labels = host.split('.');
  if (!host.startsWith('[') && !labels.every((label) => hostLabel.test(label))) return `host "${host}" is not a valid DNS name`;
  if (wildcard && labels.length < 3) return 'a wildcard needs a domain of at least two labels after "*." (e.g. *.contoso.example), not a whole top-level domain';
  return { scheme: url.protocol === 'https:' ? 'https:' : 'http:', host: wildcard ? host.slice(wildcardLabel.length + 1) : host, port: url.port, wildcard };
}

function format(origin: ParsedOrigin): string {
  return `${origin.scheme}//${origin.wildcard ? wildcardPrefix : ''}${origin.host}${origin.port ? `:${origin.port}` : ''}`;
}

/** Why `pattern` is not an allowed-origin pattern, or undefined when it is one. */
export function originPatternProblem(pattern: string): string | undefined {
  const parsed = parse(pattern);
  return typeof parsed === 'string' ? parsed : undefined;
}

/** The canonical spelling of a valid pattern (lower case, default port dropped), as it is stored. */
export function normalizeOriginPattern(pattern: string): string {
  const parsed = parse(pattern);
  if (typeof parsed === 'string') throw new Error(`not an origin pattern (${parsed}): ${pattern}`);
  return format(parsed);
}

/**
 * Whether a request's Origin header value is on the allow-list. `*.domain` matches subdomains at
 * any depth but not `domain` itself; scheme and port must match exactly.
 */
export function isOriginAllowed(allowedOrigins: readonly string[], origin: string): boolean {
  const candidate = parse(origin);
  if (typeof candidate === 'string' || candidate.wildcard) return false;
  return allowedOrigins.some((pattern) => {
    const allowed = parse(pattern);
    if (typeof allowed === 'string' || allowed.scheme !== candidate.scheme || allowed.port !== candidate.port) return false;
    return allowed.wildcard ? candidate.host.endsWith(`.${allowed.host}`) : candidate.host === allowed.host;
  });
}
