/**
 * What the online detectors' snapshots share: how a double is written so that JSON gives it back
 * bit for bit, and the check that a snapshot is the kind a restore expects.
 *
 * JSON keeps every finite double exactly (its shortest round-trip decimal) but turns NaN and
 * ±Infinity into null and -0 into 0, and detectors start from Infinity, NaN and the like. So a
 * float scalar goes through {@link float}, and a Float64Array of real values is packed as base64
 * of its bytes (about 11 characters a double where JSON's decimal takes up to 24). Arrays that only
 * hold integers (counts, ids, facts) stay plain JSON arrays: 1 to 5 characters a number.
 */

/** A double as JSON keeps it: a number, or a string for NaN, ±Infinity and -0. */
export type Float = number | string;

export function float(x: number): Float {
  if (Object.is(x, -0)) return '-0';
  return Number.isFinite(x) ? x : String(x);
}

export function unfloat(f: Float): number {
  return typeof f === 'string' ? Number(f) : f;
}

/** The doubles' bytes in base64 (the machine's byte order: little-endian on every platform Node runs on here). */
export function packFloats(values: ArrayLike<number>): string {
  const doubles = values instanceof Float64Array ? values : Float64Array.from(values);
  return Buffer.from(doubles.buffer, doubles.byteOffset, doubles.byteLength).toString('base64');
}

/** The doubles {@link packFloats} wrote; throws a RangeError naming `what` when they are not `length` doubles (when given). */
export function unpackFloats(text: string, what: string, length?: number): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % 8 !== 0 || (length !== undefined && bytes.byteLength !== 8 * length)) {
    throw new RangeError(`${what}: expected ${length ?? 'whole'} doubles, got ${bytes.byteLength} bytes`);
  }
  return new Float64Array(new Uint8Array(bytes).buffer); // a copy: an aligned buffer of its own
}

/**
 * Options with their keys in one order (sorted): a snapshot read back from a jsonb column, whose
 * key order is its own, then writes the same text as the original, so states compare as text.
 */
export function sortedOptions<O extends object>(options: O): O {
  return Object.fromEntries(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1))) as O;
}

/** What every snapshot starts with: which detector wrote it, in which layout. */
export interface SnapshotHeader<K extends string> {
  readonly kind: K;
  readonly version: 1;
}

/** Throws a RangeError unless `snapshot` is a version-1 snapshot of `kind`: restoring another detector's state would give wrong scores silently. */
export function checkSnapshot(snapshot: unknown, kind: string): void {
  const { kind: got, version } = (snapshot ?? {}) as { kind?: unknown; version?: unknown };
  if (got !== kind || version !== 1) {
    throw new RangeError(`${kind}: cannot restore from a snapshot of kind ${String(got)} version ${String(version)}; expected kind ${kind} version 1`);
  }
}
