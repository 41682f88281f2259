import { afterEach, describe, expect, it, vi } from 'vitest';
import { REVOKE_AFTER_MS, saveFile } from './save-file';

/** A document with just enough of a body and links to watch saveFile at work. */
function fakeDocument() {
  const clicked: { href: string; download: string; attached: boolean }[] = [];
  const attached = new Set<unknown>();
  const doc = {
    body: { append: (node: unknown) => attached.add(node) },
    createElement: () => {
      const link = {
        href: '',
        download: '',
        hidden: false,
        click: () => clicked.push({ href: link.href, download: link.download, attached: attached.has(link) }),
        remove: () => attached.delete(link),
      };
      return link;
    },
  };
  return { doc: doc as unknown as Document, clicked, attached };
}

describe('saveFile', () => {
  afterEach(() => vi.useRealTimers());

  it('clicks a temporary download link to an object URL, removes it, and revokes the URL afterwards', () => {
    vi.useFakeTimers();
    const revoke = vi.spyOn(URL, 'revokeObjectURL');
    const { doc, clicked, attached } = fakeDocument();

    saveFile(new Blob(['id,title,done\r\n'], { type: 'text/csv' }), 'todos.csv', doc);

    expect(clicked).toEqual([{ href: expect.stringMatching(/^blob:/), download: 'todos.csv', attached: true }]);
    expect(attached.size).toBe(0);
    expect(revoke).not.toHaveBeenCalled();
    vi.advanceTimersByTime(REVOKE_AFTER_MS);
    expect(revoke).toHaveBeenCalledWith(clicked[0]?.href);
  });
});
