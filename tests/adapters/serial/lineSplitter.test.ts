import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../src/adapters/serial/lineSplitter.ts';

const text = (lines: { bytes: Buffer; length: number }[]) => lines.map((l) => [l.bytes.toString(), l.length]);

describe('LineSplitter', () => {
  it('cuts at each newline, across chunks, keeping what follows the last one for later', () => {
    const split = new LineSplitter(100);
    expect(text(split.push(Buffer.from('a!1\r\nb!')))).toEqual([['a!1\r', 4]]);
    expect(text(split.push(Buffer.from('2')))).toEqual([]);
    expect(text(split.push(Buffer.from('\n\nc!3\n')))).toEqual([['b!2', 3], ['', 0], ['c!3', 3]]);
  });

  it('keeps only the first bytes of a line longer than the limit, gives its length, and reads on', () => {
    const split = new LineSplitter(4);
    expect(text(split.push(Buffer.from('abcdefgh')))).toEqual([]);
    expect(text(split.push(Buffer.from('ij\nok\n')))).toEqual([['abcd', 10], ['ok', 2]]);
  });

  it('goes through 10 MiB without a newline in chunks, holding no more than the limit', () => {
    const split = new LineSplitter(4096);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (let i = 0; i < 160; i++) expect(split.push(chunk)).toEqual([]);
    const [long, next] = split.push(Buffer.from('\ngood!1\n'));
    expect(long!.bytes).toEqual(Buffer.alloc(4096, 'x'));
    expect(long!.length).toBe(160 * 64 * 1024);
    expect(next!.bytes.toString()).toBe('good!1');
  });
});
