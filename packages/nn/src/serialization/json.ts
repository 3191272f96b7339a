/**
 * JSON that keeps non-finite numbers (ReduceLROnPlateau's `best` starts at ±Infinity): they are
 * written as `{"$float": "Infinity" | "-Infinity" | "NaN"}` and read back as numbers.
 */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? { $float: String(v) } : v,
  );
}

/** Parses what {@link encodeJson} wrote. */
export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$float' && typeof v.$float === 'string') return Number(v.$float);
    }
    return v;
  });
}
