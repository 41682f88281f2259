import type { Todo } from './todos.ts';

/** The headers of the CSV export: a UTF-8 CSV file the browser saves rather than shows. */
export const CSV_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/csv; charset=utf-8',
  'Content-Disposition': 'attachment; filename="todos.csv"',
};

// OWASP CSV Injection: a spreadsheet reads a cell that starts with one of these as a formula.
const FORMULA_START = /^[=+\-@\t\r]/;
// RFC 4180 2.6: a field with a quote, a comma or a line break is enclosed in quotes.
const NEEDS_QUOTES = /[",\r\n]/;

/** One field: a would-be formula is prefixed with `'`, then quoted as RFC 4180 says (a quote doubled). */
function field(value: string | number | boolean): string {
  const text = FORMULA_START.test(String(value)) ? `'${String(value)}` : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The todos as CSV (RFC 4180): a header `id,title,done`, one record per todo, CRLF after each line. */
export function todosCsv(todos: readonly Todo[]): string {
  const rows = [['id', 'title', 'done'], ...todos.map((todo) => [todo.id, todo.title, todo.done])];
  return rows.map((row) => `${row.map(field).join(',')}\r\n`).join('');
}
