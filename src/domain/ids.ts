/**
 * The rules for what becomes part of a Redis key (domain/keys.ts). Ids (sessions, items,
 * users, events) sit inside hash tags (`{s:<id>}`) and `|`-joined values, so braces,
 * pipes, whitespace and control or format characters would corrupt the key layout. Free
 * text that becomes part of a key (a city, a catalogue property) may hold spaces and
 * commas, but no braces, pipes, or control or format characters either.
 */
export const ID_PATTERN = /^[^\s{}|\p{Cc}\p{Cf}]+$/u;
export const ID_RULE = "must not contain whitespace, control characters, '{', '}' or '|'";

export const KEY_TEXT_FORBIDDEN = /[\p{Cc}\p{Cf}|{}]/u;
export const KEY_TEXT_RULE = "must not contain control characters, '|', '{' or '}'";

export function isId(value: string, maxLength: number): boolean {
  return value.length > 0 && value.length <= maxLength && ID_PATTERN.test(value);
}

/** What is wrong with an id, or undefined when it is a valid one. */
export function idProblem(value: string, maxLength: number): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > maxLength) return `must be at most ${maxLength} characters`;
  if (!ID_PATTERN.test(value)) return ID_RULE;
  return undefined;
}

/** What is wrong with a city (free text inside a key), or undefined. */
export function cityProblem(value: string, maxLength: number): string | undefined {
  if (value.length > maxLength) return `must be at most ${maxLength} characters`;
  if (KEY_TEXT_FORBIDDEN.test(value)) return KEY_TEXT_RULE;
  return undefined;
}
