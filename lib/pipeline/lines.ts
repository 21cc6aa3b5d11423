/**
 * Splitting a byte stream into lines while tracking each line's end offset, so a reader can resume exactly
 * after the last delivered line. An incomplete last line is kept back until its newline arrives.
 *
 * @module
 */

const NEWLINE = 0x0a;
const decoder = new TextDecoder();

/** One complete line and the byte offset just past its newline (relative to the splitter's start). */
export interface SplitLine {
  /** The line's text without `\n` (and without a trailing `\r`). */
  text: string;
  /** Offset of the byte after the line's `\n`. */
  end: number;
}

/** Incremental line splitter over chunks of bytes. */
export class LineSplitter {
  #carry: Uint8Array = new Uint8Array(0);
  #consumed: number;

  /** @param startOffset The byte offset of the first byte that will be pushed. */
  constructor(startOffset = 0) {
    this.#consumed = startOffset;
  }

  /** Bytes of an incomplete line held back. */
  get pendingBytes(): number {
    return this.#carry.length;
  }

  /** Offset just past the last complete line returned. */
  get offset(): number {
    return this.#consumed;
  }

  /** Adds a chunk and returns the lines it completed; blank lines are skipped but still advance offsets. */
  push(chunk: Uint8Array): SplitLine[] {
    let bytes = chunk;
    if (this.#carry.length > 0) {
      bytes = new Uint8Array(this.#carry.length + chunk.length);
      bytes.set(this.#carry);
      bytes.set(chunk, this.#carry.length);
    }
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      this.#carry = bytes.slice();
      return [];
    }
    // Decoding the whole complete region at once is much faster than decoding line by line; UTF-8 never
    // uses 0x0a inside a multi-byte sequence, so string and byte line boundaries agree.
    const texts = decoder.decode(bytes.subarray(0, lastNewline)).split("\n");
    const lines: SplitLine[] = [];
    let start = 0;
    for (const raw of texts) {
      const newline = bytes.indexOf(NEWLINE, start);
      start = newline + 1;
      const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      if (!isBlank(text)) lines.push({ text, end: this.#consumed + start });
    }
    this.#consumed += lastNewline + 1;
    this.#carry = bytes.slice(lastNewline + 1);
    return lines;
  }

  /** Returns the held-back incomplete line (if any) as a final line and clears it. */
  flush(): SplitLine | undefined {
    if (this.#carry.length === 0) return undefined;
    const text = decoder.decode(this.#carry);
    this.#consumed += this.#carry.length;
    this.#carry = new Uint8Array(0);
    return isBlank(text) ? undefined : { text, end: this.#consumed };
  }
}

function isBlank(text: string): boolean {
  // Events start with "{", so the cheap first-character test settles almost every line.
  return text.length === 0 || (text.charCodeAt(0) <= 0x20 && text.trim() === "");
}
