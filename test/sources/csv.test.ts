import { describe, expect, it } from "vitest";
import { splitCsvLine } from "../../src/ingest/sources/csv.ts";

const fields = (line: string, delimiter?: string) => {
  const r = splitCsvLine(line, delimiter);
  if (!r.ok) throw new Error(`expected ok, got error: ${r.error}`);
  return r.fields;
};
const error = (line: string) => {
  const r = splitCsvLine(line);
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.fields)}`);
  return r.error;
};

describe("splitCsvLine", () => {
  it("splits plain fields and keeps empty ones, including trailing ones", () => {
    expect(fields("a,b,c")).toEqual(["a", "b", "c"]);
    expect(fields("a,,c")).toEqual(["a", "", "c"]);
    expect(fields("x,,,")).toEqual(["x", "", "", ""]);
    expect(fields(",")).toEqual(["", ""]);
    expect(fields("")).toEqual([""]);
  });

  it("keeps delimiters inside quoted fields", () => {
    expect(fields('1,"Marseille, France",tablet')).toEqual(["1", "Marseille, France", "tablet"]);
    expect(fields('"a,b","c,d"')).toEqual(["a,b", "c,d"]);
    expect(fields('"",x')).toEqual(["", "x"]);
    expect(fields('x,""')).toEqual(["x", ""]);
  });

  it("turns doubled quotes into one quote", () => {
    expect(fields('"say ""hi""",2')).toEqual(['say "hi"', "2"]);
    expect(fields('""""')).toEqual(['"']);
    expect(fields('"a"",""b"')).toEqual(['a","b']);
  });

  it("reports an unterminated quote instead of guessing", () => {
    expect(error('1,"Marseille, France,tablet')).toMatch(/unterminated quoted field \(field 2/);
    expect(error('"abc""')).toMatch(/unterminated/);
  });

  it("reports text after a closing quote and quotes inside unquoted fields", () => {
    expect(error('"abc"x,1')).toMatch(/text after closing quote \(field 1, char 6\)/);
    expect(error('ab"c,1')).toMatch(/quote inside unquoted field \(field 1, char 3\)/);
  });

  it("supports another one-character delimiter", () => {
    expect(fields('1;"a;b";3', ";")).toEqual(["1", "a;b", "3"]);
    expect(() => splitCsvLine("a", ";;")).toThrow(/one character/);
  });
});
