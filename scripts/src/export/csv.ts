/**
 * RFC 4180 CSV, as Bulk API 2.0 writes it: every field quoted, `""` for a quote inside a field, fields may hold
 * line breaks. `parseCsv` returns the rows and, for each, the offset just past it (to split header from body).
 */
export function parseCsv(text: string, delimiter = ','): { rows: string[][]; ends: number[] } {
  const rows: string[][] = [];
  const ends: number[] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  let fieldStarted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"') {
      quoted = true;
      fieldStarted = true;
    } else if (c === delimiter) {
      row.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      if (fieldStarted || field !== '' || row.length > 0) {
        row.push(field);
        rows.push(row);
        ends.push(i + 1);
      }
      row = [];
      field = '';
      fieldStarted = false;
    } else {
      field += c;
      fieldStarted = true;
    }
    i++;
  }
  if (quoted) throw new Error('CSV ends inside a quoted field (truncated?)');
  if (fieldStarted || field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
    ends.push(text.length);
  }
  return { rows, ends };
}

/** A CSV field, always quoted. */
export function csvField(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}
