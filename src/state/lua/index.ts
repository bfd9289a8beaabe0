import { readFileSync } from "node:fs";
import { ITEM_EVENT_TYPES } from "../../domain/event-type.ts";

const read = (path: string) => readFileSync(new URL(`./${path}`, import.meta.url), "utf8");

/**
 * Values the scripts take from the TypeScript source of truth, so the two never disagree
 * (a script writes `{{NAME}}` where the value goes).
 */
export const LUA_CONSTANTS: Readonly<Record<string, string>> = {
  ITEM_EVENT_TYPES: String(ITEM_EVENT_TYPES.length),
};

/**
 * Loads a script shipped beside this module; read once at start, then cached by SHA. A line
 * `--@include <file>` is replaced by includes/<file>, so the scripts share one copy of code
 * Redis cannot share between scripts at run time; `{{NAME}}` is replaced by LUA_CONSTANTS.
 */
export function loadLua(name: string): string {
  return read(name)
    .replace(/^--@include (\S+)$/gm, (_line, file: string) => read(`includes/${file}`).trimEnd())
    .replace(/\{\{([A-Z_]+)\}\}/g, (_m, key: string) => {
      const v = LUA_CONSTANTS[key];
      if (v === undefined) throw new Error(`${name}: no constant ${key} for the script`);
      return v;
    });
}
