import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildAuthorizationParams } from '../lib/browser/authorization-params';

describe('authorize parameters', () => {
  it('always asks for consent, which DingTalk requires', () => {
    assert.deepEqual(buildAuthorizationParams({}), { prompt: 'consent' });
  });

  it('maps the camelCase per-request options to DingTalk names', () => {
    assert.deepEqual(
      buildAuthorizationParams({
        corpId: 'dingA',
        orgType: 'management',
        exclusiveLogin: true,
        exclusiveCorpId: 'dingB',
        prompt: 'consent',
      }),
      { prompt: 'consent', corpId: 'dingA', org_type: 'management', exclusiveLogin: 'true', exclusiveCorpId: 'dingB' },
    );
  });

  it('returns a fresh object and leaves the route options untouched', () => {
    const routeOptions = Object.freeze({ corpId: 'dingA' });
    const first = buildAuthorizationParams(routeOptions);
    first.state = 'written by passport-oauth2';
    assert.notEqual(first, routeOptions);
    assert.deepEqual(buildAuthorizationParams(routeOptions), { prompt: 'consent', corpId: 'dingA' });
  });

  it('ignores values of the wrong type', () => {
    const odd = { corpId: 42, orgType: {}, exclusiveLogin: 'yes' } as unknown as Parameters<
      typeof buildAuthorizationParams
    >[0];
    assert.deepEqual(buildAuthorizationParams(odd), { prompt: 'consent' });
  });
});
