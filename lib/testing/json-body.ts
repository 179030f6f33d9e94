import type { IncomingMessage, ServerResponse } from 'node:http';

import { sendAPIError } from './api-response';
import { mediaType, readBody } from './body';

/**
 * The string fields of a v1.0 endpoint's JSON body, or undefined once the request has been
 * answered with the gateway's error: a form body is 400 `Missingbody` (what DingTalk answers one at
 * /v1.0/oauth2/accessToken, reported in aliyun/alibabacloud-php-sdk#36; elsewhere a guess), an
 * oversized one 413, a broken one 400 `InvalidParameter`.
 */
export async function readJSONRequestFields<Field extends string>(
  req: IncomingMessage,
  res: ServerResponse,
  fields: readonly Field[],
): Promise<Partial<Record<Field, string>> | undefined> {
  if (mediaType(req) !== 'application/json') {
    sendAPIError(res, 400, 'Missingbody', 'body is mandatory for this action.');
    return undefined;
  }
  const raw = await readBody(req);
  if (!raw.ok) {
    if (raw.reason === 'too-large') {
      sendAPIError(res, 413, 'RequestEntityTooLarge', '请求体过大。/ The request body is too large.', {
        headers: { connection: 'close' },
      });
    }
    return undefined;
  }
  const body = parseJSONFields(raw.text, fields);
  if (typeof body === 'string') {
    sendAPIError(res, 400, 'InvalidParameter', body);
    return undefined;
  }
  return body;
}

/**
 * The string fields of a JSON object body, or a message (in both languages) saying why the body is
 * not a usable JSON object. Absent and null fields are left out.
 */
export function parseJSONFields<Field extends string>(
  text: string,
  fields: readonly Field[],
): Partial<Record<Field, string>> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return '请求体不是合法的 JSON。/ The request body is not valid JSON.';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return '请求体必须是 JSON 对象。/ The request body must be a JSON object.';
  }
  const body: Partial<Record<Field, string>> = {};
  for (const field of fields) {
    const fieldValue: unknown = (value as Record<string, unknown>)[field];
    if (fieldValue === undefined || fieldValue === null) continue;
    if (typeof fieldValue !== 'string') return `参数 ${field} 必须是字符串。/ ${field} must be a string.`;
    body[field] = fieldValue;
  }
  return body;
}
