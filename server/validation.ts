import { z } from "zod";
import { ValidationError } from "./errors";

/** A string with no NUL characters (the engine refuses them), trimmed. */
export function text(opts: { min?: number; max: number; trim?: boolean }) {
  const base = z.string().refine((v) => !v.includes("\0"), "must not contain NUL characters");
  const trimmed = opts.trim === false ? base : base.transform((v) => v.trim());
  return trimmed.pipe(
    z
      .string()
      .min(opts.min ?? 0)
      .max(opts.max),
  );
}

export const objectId = z.string().regex(/^[0-9a-fA-F]{24}$/, "must be a comment id");
export const siteSlug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be a site slug");
export const threadKey = text({ min: 1, max: 200 });
export const httpUrl = text({ max: 2000 }).pipe(
  z.string().refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL"),
);

/** An origin exactly: scheme, host and optional port, as window.location.origin gives it. */
export const origin = z
  .string()
  .max(300)
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "https:" || u.protocol === "http:") && u.origin === v;
    } catch {
      return false;
    }
  }, "must be an origin such as https://example.com");

/** Parses a value against a schema; a failure becomes a 400 naming each bad field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where?: string): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const details: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const field = [where, ...issue.path.map(String)].filter(Boolean).join(".") || "body";
    details[field] ??= issue.message;
  }
  throw new ValidationError("Some fields are missing or not valid.", details);
}

/** IPv4 addresses seen through an IPv6 socket ("::ffff:1.2.3.4") are the same address as "1.2.3.4". */
export function normalizeIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const lower = ip.toLowerCase();
  return lower.startsWith("::ffff:") && lower.includes(".") ? lower.slice(7) : lower;
}
