/**
 * Cuts a byte stream into lines at `\n`, holding at most `maxLineBytes` of any line: a device
 * that never sends a newline (a wrong baud rate, binary noise) must not make the reader buffer
 * without bound. The pieces of a line are kept in a list and joined once, when its newline comes,
 * rather than the buffer being re-copied on every chunk (which made 100 MB take minutes).
 *
 * A line longer than the limit is still emitted at its newline, with its first `maxLineBytes`
 * bytes and its full length, so the caller can say what it was; reading goes on after it.
 */
export interface SplitLine {
  /** The line without its `\n`; only its first `maxLineBytes` bytes when it was longer. */
  readonly bytes: Buffer;
  /** The whole line's length in bytes, without the `\n`. */
  readonly length: number;
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private kept = 0;
  private length = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** The lines this chunk completes; the rest waits for the next chunk. */
  push(chunk: Buffer): SplitLine[] {
    const lines: SplitLine[] = [];
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      this.keep(chunk.subarray(start, end));
      lines.push({ bytes: Buffer.concat(this.parts, this.kept), length: this.length });
      this.parts = [];
      this.kept = 0;
      this.length = 0;
      start = end + 1;
    }
    this.keep(chunk.subarray(start));
    return lines;
  }

  private keep(piece: Buffer): void {
    this.length += piece.length;
    const head = piece.subarray(0, Math.max(0, this.maxLineBytes - this.kept));
    if (head.length === 0) return;
    // A copy: a view would keep the device's whole chunk alive for a few bytes of it.
    this.parts.push(Buffer.from(head));
    this.kept += head.length;
  }
}
