// Allowed website origins: which patterns are valid, how they are stored, what they let in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOriginAllowed, normalizeOriginPattern, originPatternProblem } from '../../../src/domain/allowedOrigins';

describe('allowed origins', () => {
  it('accepts exact origins, ports, localhost and a leading subdomain wildcard', () => {
    for (const pattern of ['https://shop.contoso.example', 'http://localhost:3000', 'https://*.contoso.example', 'http://127.0.0.1:8080', 'https://*.eu.contoso.example:8443']) {
      assert.equal(originPatternProblem(pattern), undefined, pattern);
    }
  });

  it('refuses anything that is not scheme://host[:port], saying why', () => {
    const cases: [string, RegExp][] = [
      ['shop.contoso.example', /http:\/\/ or https:\/\//],
      ['ftp://shop.contoso.example', /http:\/\/ or https:\/\//],
      ['https://shop.contoso.example/', /no path/],
      ['https://shop.contoso.example/widget', /no path/],
      ['https://user@shop.contoso.example', /credentials/],
      ['https://shop.*.example', /leading "\*\."/],
      ['https://*contoso.example', /leading "\*\."/],
      ['https://*', /leading "\*\."/],
      ['https://*.example', /two labels/],
      ['https://shop_1.contoso.example', /not a valid DNS name/],
      ['https://shop.contoso.example:99999', /not a valid origin/],
      ['https://', /not a valid origin/],
    ];
    for (const [pattern, message] of cases) assert.match(originPatternProblem(pattern) ?? 'accepted', message, pattern);
  });

  it('stores the spelling browsers send: lower case, default port dropped', () => {
    assert.equal(normalizeOriginPattern('HTTPS://Shop.Contoso.Example:443'), 'https://shop.contoso.example');
    assert.equal(normalizeOriginPattern('http://*.Contoso.example:80'), 'http://*.contoso.example');
    assert.equal(normalizeOriginPattern('http://localhost:3000'), 'http://localhost:3000');
  });

  it('lets in exact matches and subdomains of a wildcard, never the apex, another scheme or port', () => {
    const allowed = ['https://shop.contoso.example', 'https://*.fabrikam.example', 'http://localhost:3000'];
    assert.equal(isOriginAllowed(allowed, 'https://shop.contoso.example'), true);
    assert.equal(isOriginAllowed(allowed, 'https://Shop.Contoso.example:443'), true);
    assert.equal(isOriginAllowed(allowed, 'https://www.fabrikam.example'), true);
    assert.equal(isOriginAllowed(allowed, 'https://a.b.fabrikam.example'), true);
    assert.equal(isOriginAllowed(allowed, 'http://localhost:3000'), true);
    assert.equal(isOriginAllowed(allowed, 'https://fabrikam.example'), false, 'the apex is not a subdomain');
    assert.equal(isOriginAllowed(allowed, 'https://evilfabrikam.example'), false);
    assert.equal(isOriginAllowed(allowed, 'https://fabrikam.example.evil.example'), false);
    assert.equal(isOriginAllowed(allowed, 'http://shop.contoso.example'), false, 'another scheme');
    assert.equal(isOriginAllowed(allowed, 'https://shop.contoso.example:8443'), false, 'another port');
    assert.equal(isOriginAllowed(allowed, 'http://localhost:3001'), false);
    assert.equal(isOriginAllowed(allowed, 'null'), false, 'opaque origins (sandboxed frames, file://)');
    assert.equal(isOriginAllowed(allowed, 'https://*.fabrikam.example'), false, 'a pattern is not an origin');
    assert.equal(isOriginAllowed([], 'https://shop.contoso.example'), false);
  });
});
