/** Where the shim asks the emulator for a code; the emulator's own endpoint, not DingTalk's. */
export const clientAuthCodePath = '/emulator/client/auth-code';

/**
 * What `dd.requestAuthCode` does in a page whose User-Agent lacks "DingTalk": `'silent'` calls
 * nothing and returns a promise that never settles, as the real JSAPI may (public reports of no
 * reaction and no callback outside the client); `'reject'` fails at once with errorCode -1.
 */
export type JSAPIOutsideClient = 'silent' | 'reject';

/**
 * The script served at `/emulator/dd.js`: a stand-in for DingTalk's JSAPI (dingtalk.open.js) with
 * just what in-client login uses (shared reference §1, §5). It runs in the page under test, so it
 * is plain browser JavaScript; the emulator's origin and the app's clientId are baked in.
 *
 * - `dd.env.platform` follows the User-Agent as dingtalk-jsapi's `getENV` does: `'notInDingTalk'`
 *   without "DingTalk"; else `'ios'` (iPhone, iPad, iPod, iOS), `'android'`, `'harmony'`
 *   (OpenHarmony with ArkWeb), otherwise `'pc'` (the desktop client; dingtalk-jsapi finds it by the
 *   container's window.name, which a browser under test lacks).
 * - `dd.requestAuthCode({ corpId, clientId })` and the older
 *   `dd.runtime.permission.requestAuthCode({ corpId })` return a Promise of `{ code }`, and call
 *   `onSuccess` and `success` with it, or `onFail` and `fail` with the error, then `complete`
 *   (dingtalk-jsapi's `ICommonAPIParams`). Outside DingTalk see {@link JSAPIOutsideClient}.
 * - Failures are `Error`s carrying `errorCode` and `errorMessage`, the fields of DingTalk's JSAPI
 *   errors.
 */
export function renderDDShim(origin: string, clientId: string, outsideClient: JSAPIOutsideClient = 'silent'): string {
  return `// DingTalk JSAPI stand-in served by the passport-dingtalk-oauth2 emulator; not DingTalk's dingtalk.open.js.
(function (global) {
  'use strict';
  var endpoint = ${scriptString(origin + clientAuthCodePath)};
  var appClientId = ${scriptString(clientId)};
  var outsideClient = ${scriptString(outsideClient)};
  var userAgent = String((global.navigator && global.navigator.userAgent) || '');
  var inDingTalk = /DingTalk/i.test(userAgent);

  // dingtalk-jsapi's getENV, in its order: iOS, Android (not Harmony), Harmony, then the desktop.
  function platformOf() {
    if (!inDingTalk) return 'notInDingTalk';
    if (/iPhone|iPad|iPod|iOS/i.test(userAgent)) return 'ios';
    var harmony = /OpenHarmony/i.test(userAgent) && /ArkWeb/i.test(userAgent);
    if (/Android/i.test(userAgent) && !harmony) return 'android';
    if (harmony) return 'harmony';
    return 'pc';
  }

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
      // Outside the client the real JSAPI may never answer: a page needs its own timeout.
      if (outsideClient !== 'reject') return new Promise(function () {});
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

  // A callback that throws is reported as uncaught, and the other callbacks and the promise go on.
  function call(callback, value) {
    if (typeof callback !== 'function') return;
    try {
      if (arguments.length > 1) callback(value);
      else callback();
    } catch (error) {
      if (typeof global.setTimeout === 'function') {
        global.setTimeout(function () {
          throw error;
        }, 0);
      }
    }
  }

  function settle(promise, params) {
    promise.then(
      function (result) {
        call(params.onSuccess, result);
        call(params.success, result);
        call(params.complete);
      },
      function (error) {
        call(params.onFail, error);
        call(params.fail, error);
        call(params.complete);
      },
    );
    // A caller who passed onFail or fail hears of the failure there; the promise still rejects for await.
    if (typeof params.onFail === 'function' || typeof params.fail === 'function') promise.catch(function () {});
    return promise;
  }

  var dd = {
    env: { platform: platformOf() },
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
