import { parseArgs } from "node:util";

export type Flags = Record<string, string | boolean | undefined>;

/** Parses `--name value` flags and positionals, failing with the command's usage. */
export function parse(
  argv: string[],
  options: Record<string, { type: "string" | "boolean"; default?: string | boolean }>,
  usage: string,
): { flags: Flags; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { flags: values as Flags, positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\nusage: ${usage}`);
  }
}

export class UsageError extends Error {}

export function requireString(flags: Flags, name: string, usage: string): string {
  const v = flags[name];
  if (typeof v !== "string" || v === "")
    throw new UsageError(`--${name} is required\n\nusage: ${usage}`);
  return v;
}

export function numberFlag(flags: Flags, name: string, fallback: number): number {
  const v = flags[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got ${String(v)}`);
  return n;
}

/** A number flag, or undefined when it is not given. */
export function optionalNumberFlag(flags: Flags, name: string): number | undefined {
  return flags[name] === undefined ? undefined : numberFlag(flags, name, 0);
}

/** `--boosting gbdt|dart`; undefined (the trainer's default) when not given. */
export function boostingFlag(
  v: string | boolean | undefined,
  usage: string,
): "gbdt" | "dart" | undefined {
  if (v === undefined) return undefined;
  if (v === "gbdt" || v === "dart") return v;
  throw new UsageError(`--boosting must be gbdt or dart, got ${String(v)}\n\nusage: ${usage}`);
}
