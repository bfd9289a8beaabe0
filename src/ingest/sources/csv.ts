export type CsvSplit = { ok: true; fields: string[] } | { ok: false; error: string };

/**
 * Splits one line into RFC-4180 fields: a field may be wrapped in double quotes, inside
 * which the delimiter is literal and `""` stands for one quote. Records never span lines
 * in the logs we read, so an opening quote without its closing quote on the same line
 * is an error, not a continuation. A quote inside an unquoted field, or text after a
 * closing quote, is an error too: both mean the writer did not quote the way we assume,
 * and guessing would shift columns silently.
 */
export function splitCsvLine(line: string, delimiter = ","): CsvSplit {
  if (delimiter.length !== 1 || delimiter === '"') {
    throw new Error(
      `delimiter must be one character other than '"', got ${JSON.stringify(delimiter)}`,
    );
  }
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      const open = i;
      let value = "";
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q === -1) {
          return {
            ok: false,
            error: `unterminated quoted field (field ${fields.length + 1}, opened at char ${open + 1})`,
          };
        }
        value += line.slice(j, q);
        if (line[q + 1] === '"') {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === n) return { ok: true, fields };
      if (line[i] !== delimiter) {
        return {
          ok: false,
          error: `text after closing quote (field ${fields.length}, char ${i + 1})`,
        };
      }
      i += 1;
    } else {
      const d = line.indexOf(delimiter, i);
      const end = d === -1 ? n : d;
      const value = line.slice(i, end);
      const stray = value.indexOf('"');
      if (stray !== -1) {
        return {
          ok: false,
          error: `quote inside unquoted field (field ${fields.length + 1}, char ${i + stray + 1})`,
        };
      }
      fields.push(value);
      if (d === -1) return { ok: true, fields };
      i = d + 1;
    }
  }
}
