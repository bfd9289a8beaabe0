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
