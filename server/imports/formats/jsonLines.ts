import readline from "node:readline";
import { Readable } from "node:stream";

/**
 * The lines of a stream with their numbers, parsed as JSON; a line that is not JSON comes as an
 * error with its number, and empty lines are passed over.
 */
export async function* jsonLines(
  source: AsyncIterable<Buffer>,
): AsyncGenerator<{ value: unknown; line: number } | { error: string; line: number }> {
  const lines = readline.createInterface({ input: Readable.from(source), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of lines) {
    n++;
    // A BOM or stray bytes before the first record are not part of it.
    const text = (n === 1 ? raw.replace(/^[^{[]*/, "") : raw).trim();
    if (!text) continue;
    try {
      yield { value: JSON.parse(text) as unknown, line: n };
    } catch {
      yield { error: "not a JSON line", line: n };
    }
  }
}

/** A plain object, or null for anything else (arrays, strings, null). */
export const asObject = (v: unknown): Record<string, unknown> | null =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
