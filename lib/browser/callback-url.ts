interface IncomingRequest {
  protocol?: unknown;
  headers?: Record<string, string | string[] | undefined>;
  socket?: object | null;
  app?: { get?: (setting: string) => unknown };
}

/**
 * Resolves a relative callbackURL against the address the browser used, so that passport-oauth2's
 * own resolution never runs: it reads `req.connection`, which Fastify's request lacks.
 *
 * With the `proxy` option unset, the web framework's own proxy setting decides: Express
 * (`trust proxy`), Koa (`app.proxy`) and Fastify (`trustProxy`) report `req.protocol` from
 * X-Forwarded-Proto only for a proxy they trust, and then that proxy's X-Forwarded-Host is the
 * host the browser used. With `proxy` set, passport-oauth2's rule applies: the forwarded headers
 * count when `proxy` is true or the Express app trusts proxies.
 * An absolute callbackURL is returned as it is; a request that names no host throws (status 400).
 */
export function resolveCallbackURL(req: IncomingRequest, callbackURL: string, proxy: boolean | undefined): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(callbackURL)) return callbackURL;
  let https: boolean;
  let forwarded: boolean;
  if (proxy === undefined) {
    // A plain node:http request has no `protocol`: its socket tells.
    https = req.protocol === 'https' || (req.protocol !== 'http' && isTLS(req));
    // https over a plain connection: the framework trusted the proxy's X-Forwarded-Proto.
    forwarded = https && !isTLS(req);
  } else {
    forwarded = proxy || Boolean(req.app?.get?.('trust proxy'));
    https = isTLS(req) || (forwarded && firstValue(req.headers?.['x-forwarded-proto'])?.toLowerCase() === 'https');
  }
  const host = (forwarded && firstValue(req.headers?.['x-forwarded-host'])) || firstValue(req.headers?.host);
  try {
    if (host) return new URL(callbackURL, `${https ? 'https' : 'http'}://${host}`).href;
  } catch {
    // A host no URL can hold: as good as none.
  }
  const error = new Error(
    'passport-dingtalk-oauth2: the callbackURL is relative and the request names no host to resolve it against',
  );
  throw Object.assign(error, { status: 400, statusCode: 400 });
}

/** A TLSSocket has `encrypted: true`; Node's plain sockets do not declare it. */
function isTLS(req: IncomingRequest): boolean {
  const socket = req.socket;
  return typeof socket === 'object' && socket !== null && 'encrypted' in socket && socket.encrypted === true;
}

/** The first of a header's values: proxies append theirs, separated by commas. */
function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const first = value?.split(',')[0]?.trim();
  return first ? first : undefined;
}
