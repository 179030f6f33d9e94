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
 * An absolute callbackURL is returned as it is; undefined means the request names no host.
 */
export function resolveCallbackURL(
  req: IncomingRequest,
  callbackURL: string,
  proxyOption: boolean | undefined,
): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(callbackURL)) return callbackURL;
  const origin = proxyOption === undefined ? frameworkOrigin(req) : passportOrigin(req, proxyOption);
  if (!origin) return undefined;
  try {
    return new URL(callbackURL, origin).href;
  } catch {
    return undefined;
  }
}

function frameworkOrigin(req: IncomingRequest): string | undefined {
  // A plain node:http request has no `protocol`: its socket tells.
  const protocol = req.protocol === 'http' || req.protocol === 'https' ? req.protocol : isTLS(req) ? 'https' : 'http';
  // https over a plain connection: the framework trusted the proxy's X-Forwarded-Proto.
  const trustedProxy = protocol === 'https' && !isTLS(req);
  const host = (trustedProxy && firstValue(req.headers?.['x-forwarded-host'])) || firstValue(req.headers?.host);
  return host ? `${protocol}://${host}` : undefined;
}

function passportOrigin(req: IncomingRequest, proxyOption: boolean): string | undefined {
  const trustProxy = proxyOption || Boolean(req.app?.get?.('trust proxy'));
  const forwardedProto = trustProxy ? firstValue(req.headers?.['x-forwarded-proto'])?.toLowerCase() : undefined;
  const tls = isTLS(req) || forwardedProto === 'https';
  const host = (trustProxy && firstValue(req.headers?.['x-forwarded-host'])) || firstValue(req.headers?.host);
  return host ? `${tls ? 'https' : 'http'}://${host}` : undefined;
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
