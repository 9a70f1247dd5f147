import type { SignInProvider } from "../models/Site";

/** What every provider's profile is reduced to before the shared sign-in step. */
export interface ProviderProfile {
  provider: SignInProvider;
  /** The provider's stable account id (never reused, unlike usernames). */
  providerId: string;
  /** The handle ADMIN_IDENTITIES and the admin CLI name the account by. */
  username: string;
  name: string;
  avatarUrl: string | null;
  profileUrl: string | null;
  /** Only when the provider gave one. */
  email: string | null;
}

/** A string from a provider, without NULs (the engine refuses them), trimmed and capped. */
export function cleanText(value: unknown, max: number): string | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const s = String(value).replace(/\0/g, "").trim().slice(0, max);
  return s === "" ? null : s;
}

/** An http(s) URL from a provider, or null: nothing else is ever shown as a link or image. */
export function cleanUrl(value: unknown): string | null {
  const s = cleanText(value, 2000);
  if (!s) return null;
  try {
    const u = new URL(s);
    return u.protocol === "https:" || u.protocol === "http:" ? u.toString() : null;
  } catch {
    return null;
  }
}

export function cleanEmail(value: unknown): string | null {
  const s = cleanText(value, 254);
  return s && /^[^\s@]+@[^\s@]+$/.test(s) ? s.toLowerCase() : null;
}

/**
 * Builds a ProviderProfile from loosely typed provider fields; null when the account id is missing,
 * which the strategies report as a provider error.
 */
export function toProviderProfile(
  provider: SignInProvider,
  fields: {
    id: unknown;
    username: unknown;
    name: unknown;
    avatarUrl: unknown;
    profileUrl: unknown;
    email: unknown;
  },
): ProviderProfile | null {
  const providerId = cleanText(fields.id, 200);
  if (!providerId) return null;
  const username = cleanText(fields.username, 200) ?? providerId;
  return {
    provider,
    providerId,
    username,
    name: cleanText(fields.name, 200) ?? username,
    avatarUrl: cleanUrl(fields.avatarUrl),
    profileUrl: cleanUrl(fields.profileUrl),
    email: cleanEmail(fields.email),
  };
}
