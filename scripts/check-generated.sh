#!/usr/bin/env bash
# Fails when src/generated/graphql.ts is stale: regenerates it from codegen.yml into a
# temporary directory (the committed file is never touched) and diffs the two.
# Run `npm run codegen` and commit the result when this fails.
set -euo pipefail
cd "$(dirname "$0")/.."

target=src/generated/graphql.ts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Same config, output path rewritten to the temp dir (keys are relative to the repo root).
sed "s#^  ${target}:#  ${tmp}/graphql.ts:#" codegen.yml > "$tmp/codegen.yml"
if ! grep -q "^  ${tmp}/graphql.ts:" "$tmp/codegen.yml"; then
  echo "check-generated: could not find the output '${target}' in codegen.yml" >&2
  exit 2
fi

npx graphql-codegen --config "$tmp/codegen.yml" --silent >"$tmp/log" 2>&1 || {
  cat "$tmp/log" >&2
  echo "check-generated: codegen failed (is schema/schema.graphql up to date? run npm run schema:check)" >&2
  exit 2
}

if [ ! -f "$target" ]; then
  echo "${target} is missing: run \`npm run codegen\` and commit it." >&2
  exit 1
fi
if ! diff -u "$target" "$tmp/graphql.ts" >"$tmp/diff"; then
  head -n 80 "$tmp/diff" >&2
  echo "${target} is stale: run \`npm run codegen\` and commit it." >&2
  exit 1
fi
echo "${target} is up to date."
