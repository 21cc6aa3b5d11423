/**
 * Translates a code offset in the binary the pool actually ran back to the binary the compiler wrote.
 *
 * The pool rewrites plugins before running them (it inserts an interrupt check at the head of every loop,
 * see `lib/interop/wasm_interrupt.ts`), so the offsets in a trap's stack frames are offsets in the rewritten
 * module, while the source map describes the original. The rewrite only inserts bytes inside function
 * bodies and keeps their order, so an offset is translated within its function's body by aligning the two
 * bodies.
 *
 * @module
 */
import { WasmFormatError } from "../interop/wasm_binary.ts";

/**
 * Returns the offset in `original` of the instruction at module offset `offset` of `rewritten`, or
 * `undefined` when the offset lies in no function body. The function is found by the offset alone (the
 * function indices engines print in stack frames do not reliably count imports). The bodies are aligned
 * greedily, so right after an inserted check the result can be a few bytes off, which still maps to the
 * same or a neighbouring source position.
 */
export function originalCodeOffset(
  original: Uint8Array,
  rewritten: Uint8Array,
  offset: number,
): number | undefined {
  const after = codeBodies(rewritten);
  const at = after.findIndex((body) => offset >= body.start && offset < body.end);
  const from = after[at];
  const to = codeBodies(original)[at];
  if (from === undefined || to === undefined) return undefined;
  // The rewritten body is the original with bytes inserted: walk both, taking every byte that does not
  // match the original's next byte as inserted.
  let i = to.start;
  for (let j = from.start; j < offset && i < to.end; j++) {
    if (rewritten[j] === original[i]) i++;
  }
  return i;
}

/** Byte range of each defined function's body, in function order. */
function codeBodies(bytes: Uint8Array): { start: number; end: number }[] {
  let at = 8;
  const leb = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length) throw new WasmFormatError("unexpected end of module");
      const b = bytes[at++];
      result += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return result;
    }
  };
  const bodies: { start: number; end: number }[] = [];
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 10) {
      for (let count = leb(); count > 0; count--) {
        const bodySize = leb();
        bodies.push({ start: at, end: at + bodySize });
        at += bodySize;
      }
    }
    at = end;
  }
  return bodies;
}
