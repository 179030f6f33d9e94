// The demo's login inside the DingTalk client (钉钉内免登), run by the home page the server shows to a
// DingTalk User-Agent: a code from the client, posted to the server, then the profile. When anything
// fails, the page says why and offers the ordinary "Login with DingTalk" button instead.
(() => {
  const { corpId, clientId, inAppPath } = JSON.parse(document.getElementById('in-app-config').textContent);

  /** An error with the short reason the page shows first (the server's own, when it sent one). */
  function failure(reason, message) {
    return Object.assign(new Error(message), { reason });
  }

  /** Rejects after `ms`: outside the client, or in a broken one, the JSAPI may never answer. */
  function withTimeout(promise, ms) {
    let timer;
    const late = new Promise((_resolve, reject) => {
      timer = setTimeout(() => reject(failure('timeout', `DingTalk did not answer within ${ms} ms`)), ms);
    });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
  }

  /** A new in-client code (免登码), valid 5 minutes and once. */
  async function requestCode() {
    const { dd } = window;
    if (!dd) throw failure('jsapi_missing', "DingTalk's JSAPI (dd) did not load.");
    // dd.requestAuthCode needs DingTalk 7.0.45 on phones, 7.0.50 on desktops; older clients have only
    // the previous API, which finds the app by the page's domain.
    const request =
      typeof dd.requestAuthCode === 'function'
        ? dd.requestAuthCode({ corpId, clientId })
        : dd.runtime.permission.requestAuthCode({ corpId });
    try {
      const { code } = await withTimeout(request, 5000);
      return code;
    } catch (error) {
      // The JSAPI's failures carry errorCode and errorMessage rather than a reason.
      if (error.reason) throw error;
      throw failure(`jsapi_error ${error.errorCode ?? ''}`.trim(), error.errorMessage || error.message);
    }
  }

  async function logIn() {
    const code = await requestCode();
    const response = await fetch(inAppPath, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      throw failure(answer.reason || `HTTP ${response.status}`, answer.message || response.statusText);
    }
    // Without the session cookie (cookies blocked), /profile would send the browser back here and
    // this page would log in again, forever: check that the session holds before going there.
    const profile = await fetch('/profile', { credentials: 'same-origin', redirect: 'manual' });
    if (profile.status !== 200) {
      throw failure('session_lost', 'Logged in, but the browser did not keep the session cookie.');
    }
  }

  function showFailure(error) {
    document.getElementById('in-app-title').textContent = '未能通过钉钉登录 / Could not sign in through DingTalk';
    document.getElementById('in-app-status').hidden = true;
    const shown = document.getElementById('in-app-error');
    shown.textContent = `${error.reason || 'error'}: ${error.message}`;
    shown.hidden = false;
    document.getElementById('in-app-fallback').hidden = false;
  }

  logIn().then(() => window.location.replace('/profile'), showFailure);
})();
