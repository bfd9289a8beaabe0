import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The house's rooms, lowest first, along the data flow (README "Where things live"): a
 * module may import from its own room and from rooms before it, never after. Biome's
 * noImportCycles (type imports counted) keeps files from importing each other in a ring;
 * this keeps the rooms' arrows pointing one way.
 */
const ROOMS = [
  "util",
  "config",
  "domain",
  "state",
  "catalog",
  "features",
  "scoring",
  "recommend",
  "publish",
  "ingest",
  "services",
  "learn",
  "auth",
  "observability",
  "graphql",
  "demo",
  "http",
  "lifecycle",
  "cli",
  "cluster",
  "main",
] as const;

const SRC = resolve(new URL("../../src", import.meta.url).pathname);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The room of a module: its top folder under src/, or its name for a top-level file. */
function room(path: string): string {
  const parts = relative(SRC, path).split("/");
  return parts.length === 1 ? parts[0]!.replace(/\.ts$/, "") : parts[0]!;
}

/** Every import and re-export of a module, type-only ones included. */
function imports(path: string): string[] {
  const src = readFileSync(path, "utf8");
  return [
    ...src.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"|^import\s+"([^"]+)"/gms),
  ].map((m) => (m[1] ?? m[2])!);
}

const modules = files(SRC).filter((f) => room(f) !== "generated");

describe("the house's arrows", () => {
  it("every module's room is a known one", () => {
    const unknown = modules.filter((f) => !(ROOMS as readonly string[]).includes(room(f)));
    expect(unknown.map((f) => relative(SRC, f))).toEqual([]);
  });

  it("imports point down the flow: from a room to itself or to an earlier one", () => {
    const rank = (r: string) => (ROOMS as readonly string[]).indexOf(r);
    const upward: string[] = [];
    for (const f of modules) {
      for (const spec of imports(f)) {
        if (!spec.startsWith(".")) continue;
        const target = resolve(dirname(f), spec);
        if (room(target) === "generated") continue;
        if (rank(room(target)) > rank(room(f)))
          upward.push(`${relative(SRC, f)} -> ${relative(SRC, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("state/ is the only room that knows Redis, graphql/ the only one that knows GraphQL", () => {
    const knows = (pkg: RegExp) =>
      [...new Set(modules.filter((f) => imports(f).some((s) => pkg.test(s))).map(room))].sort();
    expect(knows(/^ioredis$/)).toEqual(["state"]);
    expect(knows(/^(graphql|graphql-yoga|graphql-ws(\/.*)?|@pothos\/core)$/)).toEqual(["graphql"]);
  });
});
