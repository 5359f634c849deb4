/**
 * What a sensor value may be, wherever it comes from: the text after a serial line's last `!`,
 * or a Kafka record's whole value. One rule, so that a value the bridge sends to Kafka is one
 * that `detect sensors` reads back, and nothing else is.
 */

// A plain decimal number, as an Arduino prints one: no hex, no `Infinity`, no empty string
// (which `Number('')` would happily turn into 0).
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number `text` spells (surrounding white space ignored), or why it is not a sensor value. */
export function parseSensorValue(text: string): { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string } {
  const raw = text.trim();
  if (!DECIMAL.test(raw)) return { ok: false, reason: `value ${JSON.stringify(raw)} is not a decimal number` };
  const value = Number(raw);
  if (!Number.isFinite(value)) return { ok: false, reason: `value ${JSON.stringify(raw)} is not finite` };
  return { ok: true, value };
}
