import { readFileSync, writeFileSync } from "node:fs";
import { lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "./schema.ts";

/** Prints the schema to schema/schema.graphql; with --check, fails when the file is stale. */
const path = new URL("../../schema/schema.graphql", import.meta.url);
const printed = `${printSchema(lexicographicSortSchema(schema))}\n`;
if (process.argv.includes("--check")) {
  const current = readFileSync(path, "utf8");
  if (current !== printed) {
    console.error("schema/schema.graphql is stale: run `npm run schema:print` and commit it.");
    process.exit(1);
  }
  console.log("schema/schema.graphql is up to date.");
} else {
  writeFileSync(path, printed);
  console.log("wrote schema/schema.graphql");
}
