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
