/**
 * Why the emulator refused a login request, in both languages its pages speak. `code` is stable
 * (rendered as `data-error`) so browser tests can tell the reasons apart.
 */
export interface Problem {
  code: string;
  zh: string;
  en: string;
}

/** The outcome of a check: the value, or the reason it was refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: Problem };

/** A refusal with its reason. */
export function refuse(code: string, zh: string, en: string): { ok: false; problem: Problem } {
  return { ok: false, problem: { code, zh, en } };
}
