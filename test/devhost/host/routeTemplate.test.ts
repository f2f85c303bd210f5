import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RouteTemplate, RouteTemplateError } from '../../../devhost/host/http/routeTemplate';
import { HttpRouter } from '../../../devhost/host/http/httpRouter';
import type { RegisteredFunction } from '../../../devhost/host/extension';

describe('RouteTemplate', () => {
  it('matches literal segments case-insensitively and tolerates a trailing slash', () => {
    const route = new RouteTemplate('Orders/open');
    assert.deepEqual(route.match('/orders/OPEN'), {});
    assert.deepEqual(route.match('/orders/open/'), {});
    assert.equal(route.match('/orders'), undefined);
    assert.equal(route.match('/orders/open/x'), undefined);
  });

  it('captures and decodes parameters', () => {
    assert.deepEqual(new RouteTemplate('users/{id}/chats/{chatId}').match('/users/a%20b/chats/7'), { id: 'a b', chatId: '7' });
  });

  it('applies constraints', () => {
    const route = new RouteTemplate('orders/{id:int}');
    assert.deepEqual(route.match('/orders/-12'), { id: '-12' });
    assert.equal(route.match('/orders/12a'), undefined);
    assert.equal(new RouteTemplate('x/{g:guid}').match('/x/not-a-guid'), undefined);
    assert.deepEqual(new RouteTemplate('x/{g:guid}').match('/x/0f8fad5b-d9cb-469f-a165-70867728950e'), { g: '0f8fad5b-d9cb-469f-a165-70867728950e' });
    assert.equal(new RouteTemplate('x/{n:alpha:minlength(3)}').match('/x/ab'), undefined);
    assert.deepEqual(new RouteTemplate('x/{n:alpha:minlength(3)}').match('/x/abc'), { n: 'abc' });
    assert.equal(new RouteTemplate('x/{n:range(1,5)}').match('/x/6'), undefined);
    assert.deepEqual(new RouteTemplate('x/{n:regex(^a:b$)}').match('/x/a:b'), { n: 'a:b' });
    assert.deepEqual(new RouteTemplate('x/{b:bool}').match('/x/TRUE'), { b: 'TRUE' });
  });

  it('supports optional parameters and catch-alls', () => {
    const optional = new RouteTemplate('items/{category}/{id?}');
    assert.deepEqual(optional.match('/items/books'), { category: 'books' });
    assert.deepEqual(optional.match('/items/books/3'), { category: 'books', id: '3' });
    const catchAll = new RouteTemplate('files/{*path}');
    assert.deepEqual(catchAll.match('/files/a/b%20c/d.txt'), { path: 'a/b c/d.txt' });
    assert.deepEqual(catchAll.match('/files'), {});
  });

  it('supports parameters inside a segment', () => {
    assert.deepEqual(new RouteTemplate('files/{name}.{ext}').match('/files/report.pdf'), { name: 'report', ext: 'pdf' });
  });

  it('refuses malformed templates', () => {
    assert.throws(() => new RouteTemplate('x/{id:nope}'), RouteTemplateError);
    assert.throws(() => new RouteTemplate('x/{id'), RouteTemplateError);
    assert.throws(() => new RouteTemplate('x/{1bad}'), RouteTemplateError);
  });
});

function httpFunction(name: string, route: string, methods: string[]): RegisteredFunction {
  const binding = { type: 'httpTrigger', direction: 'in' as const, route, methods, authLevel: 'anonymous' };
  return { name, bindings: { req: binding }, trigger: { name: 'req', type: 'httpTrigger', binding } };
}

describe('HttpRouter', () => {
  it('prefers the most specific route and answers 405 with the allowed methods', () => {
    const router = new HttpRouter([httpFunction('any', 'orders/{id}', ['GET']), httpFunction('open', 'orders/open', ['GET']), httpFunction('create', 'orders', ['POST'])]);
    const open = router.match('GET', '/orders/open');
    assert.equal(open.kind === 'found' && open.route.fn.name, 'open');
    const byId = router.match('get', '/orders/9');
    assert.equal(byId.kind === 'found' && byId.route.fn.name, 'any');
    assert.deepEqual(router.match('DELETE', '/orders'), { kind: 'method-not-allowed', allowed: ['POST'] });
    assert.deepEqual(router.match('GET', '/nothing/here'), { kind: 'not-found' });
  });

  it('uses the function name as the default route', () => {
    const binding = { type: 'httpTrigger', direction: 'in' as const, methods: ['GET'] };
    const router = new HttpRouter([{ name: 'Health', bindings: { req: binding }, trigger: { name: 'req', type: 'httpTrigger', binding } }]);
    assert.equal(router.match('GET', '/health').kind, 'found');
  });
});
