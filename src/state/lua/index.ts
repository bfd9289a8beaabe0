import { readFileSync } from "node:fs";

/** Loads a script shipped beside this module; read once at start, then cached by SHA. */
export function loadLua(name: string): string {
  return readFileSync(new URL(`./${name}`, import.meta.url), "utf8");
}
