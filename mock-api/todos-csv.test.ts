import { describe, expect, it } from 'vitest';
import { bearer, testApi } from './test-support.ts';
import { todosCsv } from './todos-csv.ts';

describe('todosCsv', () => {
  it('writes a header and one CRLF-terminated record per todo', () => {
    expect(todosCsv([])).toBe('id,title,done\r\n');
    expect(
      todosCsv([
        { id: 1, title: 'Milk', done: false },
        { id: 2, title: 'Bread', done: true },
      ]),
    ).toBe('id,title,done\r\n1,Milk,false\r\n2,Bread,true\r\n');
  });

  it.each([
    ['a comma', 'a,b', '"a,b"'],
    ['a quote, doubled', 'say "hi"', '"say ""hi"""'],
    ['a line feed', 'two\nlines', '"two\nlines"'],
    ['a carriage return', 'two\rlines', '"two\rlines"'],
  ])('quotes a title with %s (RFC 4180)', (_, title, field) => {
    expect(todosCsv([{ id: 7, title, done: false }])).toBe(`id,title,done\r\n7,${field},false\r\n`);
  });

  it.each([
    ['=', '=HYPERLINK("http://evil.example","x")', `'=HYPERLINK("http://evil.example","x")`],
    ['+', '+1+1', "'+1+1"],
    ['-', '-2+3', "'-2+3"],
    ['@', '@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['a tab', '\t=1', "'\t=1"],
    ['a carriage return', '\r=1', "'\r=1"],
  ])('defuses a cell starting with %s by prefixing an apostrophe', (_, title, defused) => {
    const line = todosCsv([{ id: 3, title, done: false }]).split('\r\n')[1] ?? '';
    const quoted = /[",\r\n]/.test(defused) ? `"${defused.replaceAll('"', '""')}"` : defused;
    expect(line).toBe(`3,${quoted},false`);
  });

  it('leaves a formula character that is not the first one alone', () => {
    expect(todosCsv([{ id: 4, title: 'a=b', done: false }])).toBe('id,title,done\r\n4,a=b,false\r\n');
  });
});

describe('GET /api/todos.csv', () => {
  it("serves the caller's todos as an attachment, not as a todo id", async () => {
    const t = await testApi();
    const test = await t.login('test', 'test');
    const ada = await t.login('ada', 'lovelace');
    for (const [token, title] of [
      [test.accessToken, '=cmd|calc'],
      [test.accessToken, 'Buy milk, eggs'],
      [ada.accessToken, 'Not yours'],
    ] as const) {
      await t.send('/api/todos', {
        method: 'POST',
        headers: { ...bearer(token), 'Content-Type': 'application/json' },
        body: JSON.stringify({ title }),
      });
    }
    const response = await t.send('/api/todos.csv', { headers: bearer(test.accessToken) });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('Content-Disposition')).toBe('attachment; filename="todos.csv"');
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(await response.text()).toBe(`id,title,done\r\n1,'=cmd|calc,false\r\n2,"Buy milk, eggs",false\r\n`);
  });

  it('answers 401 without a token', async () => {
    const t = await testApi();
    const response = await t.send('/api/todos.csv');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_token' });
  });
});
