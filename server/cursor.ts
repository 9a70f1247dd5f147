import type { z } from "zod";
import { ValidationError } from "./errors";

/** Cursors are opaque to clients: base64url JSON that only this service reads. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  try {
    const json: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
  } catch {
    // falls through to the error below
  }
  throw new ValidationError("The cursor is not valid for this list.", { cursor: "invalid" });
}
