/** Where the shim asks the emulator for a code; the emulator's own endpoint, not DingTalk's. */
export const clientAuthCodePath = '/emulator/client/auth-code';

/**
 * The script served at `/emulator/dd.js`: a stand-in for DingTalk's JSAPI (dingtalk.open.js) with
 * just what in-client login uses (shared reference §1, §5). It runs in the page under test, so it
 * is plain browser JavaScript; the emulator's origin and the app's clientId are baked in.
 *
 * - `dd.env.platform` is `'pc'` when the User-Agent contains "DingTalk" (the test dingtalk-jsapi
 *   makes), else `'notInDingTalk'`.
 * - `dd.requestAuthCode({ corpId, clientId })` and the older
 *   `dd.runtime.permission.requestAuthCode({ corpId })` return a Promise of `{ code }` and call
 *   `onSuccess`/`onFail`. Outside DingTalk they reject: the real JSAPI does not work there.
 * - Failures are `Error`s carrying `errorCode` and `errorMessage`, the fields of DingTalk's JSAPI
 *   errors.
 */
export function renderDDShim(origin: string, clientId: string): string {
  return `// DingTalk JSAPI stand-in served by the passport-dingtalk-oauth2 emulator; not DingTalk's dingtalk.open.js.
(function (global) {
  'use strict';
  var endpoint = ${scriptString(origin + clientAuthCodePath)};
  var appClientId = ${scriptString(clientId)};
  var userAgent = String((global.navigator && global.navigator.userAgent) || '');
  var inDingTalk = /DingTalk/i.test(userAgent);

  function failure(errorCode, errorMessage) {
    var error = new Error(errorMessage);
    error.errorCode = errorCode;
    error.errorMessage = errorMessage;
    return error;
  }

  function pageURL() {
    var location = global.location;
    return location && typeof location.href === 'string' ? location.href.split('#')[0] : undefined;
  }

  function fetchCode(corpId, clientId) {
    if (!inDingTalk) {
      return Promise.reject(
        failure(-1, '免登只能在钉钉客户端内使用 / In-client login works only inside the DingTalk client (no "DingTalk" in the User-Agent)'),
      );
    }
    // A text/plain body keeps this a simple request: no CORS preflight.
    return global
      .fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ corpId: corpId, clientId: clientId, url: pageURL() }),
      })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (response.ok && answer && typeof answer.code === 'string') return { code: answer.code };
          throw failure(answer && answer.errorCode, (answer && answer.errorMessage) || 'requestAuthCode failed');
        });
      });
  }

  function settle(promise, params) {
    promise.then(
      function (result) {
        if (typeof params.onSuccess === 'function') params.onSuccess(result);
      },
      function (error) {
        if (typeof params.onFail === 'function') params.onFail(error);
      },
    );
    // A caller who passed onFail hears of the failure there; the promise still rejects for await.
    if (typeof params.onFail === 'function') promise.catch(function () {});
    return promise;
  }

  var dd = {
    env: { platform: inDingTalk ? 'pc' : 'notInDingTalk' },
    // No dd.config in this stand-in, so nothing fails before ready and dd.error never fires.
    ready: function (callback) {
      Promise.resolve().then(callback);
    },
    error: function () {},
    requestAuthCode: function (params) {
      params = params || {};
      return settle(fetchCode(params.corpId, params.clientId), params);
    },
    runtime: {
      permission: {
        // The older API has no clientId: DingTalk knows the app by the page it runs in.
        requestAuthCode: function (params) {
          params = params || {};
          return settle(fetchCode(params.corpId, appClientId), params);
        },
      },
    },
  };
  global.dd = dd;
})(typeof window !== 'undefined' ? window : this);
`;
}

/** A JavaScript string literal; `<` escaped too, so the text is safe even inlined in a page. */
function scriptString(value: string): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
