/** The method + path router. */
import { describe, expect, it } from 'vitest';
import { type RouteHandler, Router } from '../../src/http/router.ts';

const list: RouteHandler = () => {};
const detail: RouteHandler = () => {};
const ingest: RouteHandler = () => {};

const router = new Router()
  .get('/api/incidents', list)
  .get('/api/incidents/:id', detail)
  .post('/webhooks/alertmanager', ingest);

describe('Router.match', () => {
  it('finds the handler by method and path', () => {
    expect(router.match('GET', '/api/incidents')).toEqual({ handler: list, params: {} });
    expect(router.match('POST', '/webhooks/alertmanager')).toEqual({ handler: ingest, params: {} });
  });

  it('captures :name segments, decoded', () => {
    expect(router.match('GET', '/api/incidents/42')).toEqual({ handler: detail, params: { id: '42' } });
    expect(router.match('GET', '/api/incidents/a%20b%2Fc')).toEqual({
      handler: detail,
      params: { id: 'a b/c' },
    });
  });

  it('answers method-not-allowed when only the path matches', () => {
    expect(router.match('POST', '/api/incidents')).toBe('method-not-allowed');
    expect(router.match('GET', '/webhooks/alertmanager')).toBe('method-not-allowed');
  });

  it('serves HEAD with the GET handler', () => {
    expect(router.match('HEAD', '/api/incidents/7')).toEqual({ handler: detail, params: { id: '7' } });
    expect(router.match('HEAD', '/webhooks/alertmanager')).toBe('method-not-allowed');
  });

  it('returns null for an unknown path or a different segment count', () => {
    expect(router.match('GET', '/nope')).toBeNull();
    expect(router.match('GET', '/api')).toBeNull();
    expect(router.match('GET', '/api/incidents/1/alerts')).toBeNull();
    expect(router.match('GET', '/')).toBeNull();
  });

  it('ignores empty segments (a trailing slash or a doubled one)', () => {
    expect(router.match('GET', '/api/incidents/')).toEqual({ handler: list, params: {} });
    expect(router.match('GET', '//api//incidents/9')).toEqual({ handler: detail, params: { id: '9' } });
  });

  it('does not throw on malformed percent-encoding', () => {
    // Regression: decodeURIComponent threw a URIError inside the request listener, crashing the process.
    expect(router.match('GET', '/api/incidents/%E0%A4%A')).toBeNull();
    expect(router.match('GET', '/api/incidents/%')).toBeNull();
  });

  it('tries routes in the order they were added', () => {
    const first: RouteHandler = () => {};
    const second: RouteHandler = () => {};
    const ordered = new Router().get('/items/new', first).get('/items/:id', second);
    expect(ordered.match('GET', '/items/new')).toEqual({ handler: first, params: {} });
    expect(ordered.match('GET', '/items/3')).toEqual({ handler: second, params: { id: '3' } });
  });
});
