import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, validateHeaderName, validateHeaderValue } from 'node:http';
import { newRequestId, sendAPIError } from './api-response';
import { type OAPIMessageLanguage, oapiText } from './oapi-messages';
import { sendOAPIError } from './oapi-response';
import type { EmulatorEndpoint, EmulatorFault, EmulatorFaultKind } from './types';

/**
 * The DingTalk host an endpoint belongs to, which decides how a fault answers: the login page,
 * the v1.0 API (`x-acs-request-id`, errors as HTTP statuses) or oapi (errors on HTTP 200).
 */
export type DingTalkHost = 'login' | 'api' | 'oapi';

const endpoints: ReadonlySet<EmulatorEndpoint> = new Set([
  'authorize',
  'token',
  'profile',
  'app-token',
  'userinfo',
  'user-details',
  'getbyunionid',
]);

const kinds: ReadonlySet<EmulatorFaultKind> = new Set([
  'html',
  'malformed-json',
  'empty',
  'drop',
  'hang',
  'throttle',
  'ip-ban',
]);

// What Alibaba's gateway (Tengine) sends when DingTalk's backend is unreachable.
const gatewayPage =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n' +
  '<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n';

interface ActiveFault {
  fault: EmulatorFault;
  /** Requests left; undefined means until cleared. */
  remaining: number | undefined;
}

/** What became of a request once its fault was applied. */
export type FaultOutcome = 'answered' | 'continue';

/**
 * The faults injected per endpoint, and their application. A fault is copied when injected, so
 * changing the caller's object afterwards has no effect.
 */
export class FaultTable {
  readonly #active = new Map<EmulatorEndpoint, ActiveFault>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #oapiMessages: OAPIMessageLanguage;

  /** `oapiMessages`: the language of the oapi throttle's errmsg. */
  constructor(oapiMessages: OAPIMessageLanguage = 'zh') {
    this.#oapiMessages = oapiMessages;
  }

  /** Sets the fault of an endpoint, replacing any other; throws a `TypeError` for an invalid one. */
  inject(endpoint: EmulatorEndpoint, fault: EmulatorFault): void {
    if (!endpoints.has(endpoint)) {
      throw new TypeError(`DingTalk emulator: cannot inject a fault into "${String(endpoint)}"`);
    }
    const copy = checkFault(fault);
    this.#active.set(endpoint, { fault: copy, remaining: copy.times });
  }

  /** Removes every fault. */
  clear(): void {
    this.#active.clear();
  }

  /** The fault for this request to `endpoint`, counting it against `times`. */
  take(endpoint: EmulatorEndpoint): EmulatorFault | undefined {
    const active = this.#active.get(endpoint);
    if (!active) return undefined;
    if (active.remaining !== undefined) {
      active.remaining -= 1;
      if (active.remaining <= 0) this.#active.delete(endpoint);
    }
    return active.fault;
  }

  /** Applies a fault: waits, then answers in its place or lets the endpoint answer (`continue`). */
  async apply(
    fault: EmulatorFault,
    req: IncomingMessage,
    res: ServerResponse,
    host: DingTalkHost,
  ): Promise<FaultOutcome> {
    if (fault.latencyMs) await this.#sleep(fault.latencyMs);
    const headers = fault.headers ?? {};
    switch (fault.kind) {
      case 'drop':
        req.socket.destroy();
        return 'answered';
      case 'hang':
        // The socket stays open until the client gives up or close() destroys it.
        return 'answered';
      case 'html':
        send(res, fault.status ?? 502, gatewayPage, { 'content-type': 'text/html', ...headers });
        return 'answered';
      case 'malformed-json':
        send(res, fault.status ?? 200, '{"accessToken":', {
          'content-type': 'application/json;charset=utf-8',
          ...headers,
        });
        return 'answered';
      case 'empty':
        send(res, fault.status ?? 200, '', headers);
        return 'answered';
      case 'throttle':
        if (host === 'oapi') {
          // 90002 is DingTalk's per-API rate limit (call-frequency-limit, shared reference §2c),
          // answered on HTTP 200 as every oapi error; the message is one seen in public client code.
          sendOAPIError(res, 90002, oapiText('throttled', this.#oapiMessages), {
            status: fault.status ?? 200,
            headers,
          });
          return 'answered';
        }
        sendAPIError(
          res,
          fault.status ?? 403,
          'Forbidden.AccessDenied.QpsLimitForApi',
          'The request has exceeded the QPS limit of this API. 当前接口调用频率超出限制。',
          { headers },
        );
        return 'answered';
      case 'ip-ban':
        // The shape DingTalk's "调用频率限制" page shows for a blocked egress IP.
        send(
          res,
          fault.status ?? 200,
          JSON.stringify({ status: 1111, wait: 5, source: 'x5', punish: 'deny', uuid: randomUUID() }),
          {
            'content-type': 'application/json;charset=utf-8',
            ...headers,
          },
        );
        return 'answered';
    }
    if (fault.status !== undefined || fault.body !== undefined) {
      const json = typeof fault.body === 'object';
      const text = typeof fault.body === 'object' ? JSON.stringify(fault.body) : (fault.body ?? '');
      const defaults: Record<string, string> = {};
      if (text !== '') defaults['content-type'] = json ? 'application/json;charset=utf-8' : 'text/plain;charset=utf-8';
      if (host === 'api') defaults['x-acs-request-id'] = newRequestId();
      send(res, fault.status ?? 200, text, { ...defaults, ...headers });
      return 'answered';
    }
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    return 'continue';
  }

  /** Stops every pending latency timer; their requests are never answered (close() drops them). */
  cancelTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function checkFault(fault: EmulatorFault): EmulatorFault {
  if (typeof fault !== 'object' || fault === null) throw invalid('a fault must be an object');
  const copy: EmulatorFault = {};
  if (fault.latencyMs !== undefined) {
    if (!Number.isFinite(fault.latencyMs) || fault.latencyMs < 0) throw invalid('latencyMs must be a number >= 0');
    copy.latencyMs = fault.latencyMs;
  }
  if (fault.status !== undefined) {
    if (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599) {
      throw invalid('status must be an integer from 200 to 599');
    }
    copy.status = fault.status;
  }
  if (fault.body !== undefined) {
    if (typeof fault.body !== 'string' && (typeof fault.body !== 'object' || fault.body === null)) {
      throw invalid('body must be a string or an object');
    }
    copy.body = typeof fault.body === 'string' ? fault.body : jsonCopy(fault.body);
  }
  if (fault.headers !== undefined) copy.headers = checkHeaders(fault.headers);
  if (fault.kind !== undefined) {
    if (!kinds.has(fault.kind)) throw invalid(`kind must be one of ${[...kinds].join(', ')}`);
    if (fault.body !== undefined) throw invalid(`kind "${fault.kind}" brings its own body; leave out body`);
    if ((fault.kind === 'drop' || fault.kind === 'hang') && (fault.status !== undefined || fault.headers)) {
      throw invalid(`kind "${fault.kind}" sends no answer, so status and headers make no sense`);
    }
    copy.kind = fault.kind;
  }
  if (fault.times !== undefined) {
    if (!Number.isInteger(fault.times) || fault.times < 1) throw invalid('times must be an integer >= 1');
    copy.times = fault.times;
  }
  return copy;
}

function checkHeaders(headers: Record<string, string>): Record<string, string> {
  if (typeof headers !== 'object' || headers === null) throw invalid('headers must be an object of strings');
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') throw invalid(`header "${name}" must be a string`);
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch (error) {
      throw invalid(`header "${name}" is not a valid HTTP header (${(error as Error).message})`);
    }
    copy[name.toLowerCase()] = value;
  }
  return copy;
}

function jsonCopy(body: object): object {
  try {
    return JSON.parse(JSON.stringify(body)) as object;
  } catch {
    throw invalid('body cannot be serialised as JSON');
  }
}

function invalid(reason: string): TypeError {
  return new TypeError(`DingTalk emulator: invalid fault: ${reason}`);
}
