import { readFileSync } from "node:fs";

const read = (path: string) => readFileSync(new URL(`./${path}`, import.meta.url), "utf8");

/**
 * Loads a script shipped beside this module; read once at start, then cached by SHA. A line
 * `--@include <file>` is replaced by includes/<file>, so the scripts share one copy of code
 * Redis cannot share between scripts at run time.
 */
export function loadLua(name: string): string {
  return read(name).replace(/^--@include (\S+)$/gm, (_line, file: string) =>
    read(`includes/${file}`).trimEnd(),
  );
}
