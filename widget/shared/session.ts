import type { ApiUser, SignInProvider } from "./types";

const KEY = "comments:token";

/**
 * Where the sign-in token lives: this origin's localStorage, or memory when storage is blocked
 * (third-party storage off, private modes). Cookies are never used.
 */
export class TokenStore {
  private memory: string | null = null;
  private storage: Storage | null;

  constructor() {
    this.storage = null;
    try {
      const s = window.localStorage;
      s.setItem(`${KEY}:probe`, "1");
      s.removeItem(`${KEY}:probe`);
      this.storage = s;
    } catch {
      this.storage = null;
    }
  }

  /** "local" or "memory": which store is in use. */
  get kind(): "local" | "memory" {
    return this.storage ? "local" : "memory";
  }

  get(): string | null {
    if (this.storage) {
      try {
        return this.storage.getItem(KEY);
      } catch {
        return this.memory;
      }
    }
    return this.memory;
  }

  set(token: string | null): void {
    this.memory = token;
    try {
      if (token) this.storage?.setItem(KEY, token);
      else this.storage?.removeItem(KEY);
    } catch {
      // Storage went away: memory keeps the token for this page.
    }
  }
}

/** A guest's name, email and website, as "Save my name, email, and website" keeps them. */
export interface SavedGuest {
  name: string;
  email: string;
  website: string;
}

const GUEST_KEY = "comments:guest";

/** Where a guest's details are kept when they ask: this origin's localStorage, or nowhere. */
export class GuestStore {
  get(): SavedGuest | null {
    try {
      const raw = window.localStorage.getItem(GUEST_KEY);
      const v = raw ? (JSON.parse(raw) as Partial<SavedGuest>) : null;
      if (!v || typeof v.name !== "string" || typeof v.email !== "string") return null;
      return {
        name: v.name,
        email: v.email,
        website: typeof v.website === "string" ? v.website : "",
      };
    } catch {
      return null;
    }
  }

  set(guest: SavedGuest | null): void {
    try {
      if (guest) window.localStorage.setItem(GUEST_KEY, JSON.stringify(guest));
      else window.localStorage.removeItem(GUEST_KEY);
    } catch {
      // Storage blocked (third-party storage off): nothing is kept, as if never ticked.
    }
  }
}

/** Ends a session on the service (POST /auth/logout); a failure leaves nothing to do here. */
export async function endSession(serviceOrigin: string, token: string | null): Promise<void> {
  if (!token) return;
  await fetch(`${serviceOrigin}/auth/logout`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}` },
    credentials: "omit",
  }).catch(() => undefined);
}

export interface SignInResult {
  token: string;
  user: ApiUser;
}

/**
 * Opens the provider's sign-in in a popup and resolves with what the callback page posts back.
 * Only messages from this service's origin and from that popup count. Rejects with "closed" when
 * the reader closes the window first.
 */
export function signInWithPopup(
  serviceOrigin: string,
  provider: SignInProvider,
  site: string,
): Promise<SignInResult> {
  const url = `${serviceOrigin}/auth/${encodeURIComponent(provider)}?site=${encodeURIComponent(
    site,
  )}&origin=${encodeURIComponent(serviceOrigin)}`;
  const w = 600;
  const h = 700;
  const left = Math.max(0, (window.screen.width - w) / 2);
  const top = Math.max(0, (window.screen.height - h) / 2);
  const popup = window.open(
    url,
    "comments-sign-in",
    `popup=yes,width=${w},height=${h},left=${left},top=${top}`,
  );
  if (!popup) return Promise.reject(new Error("The sign-in window was blocked by the browser."));
  return new Promise((resolve, reject) => {
    const finish = () => {
      window.removeEventListener("message", onMessage);
      clearInterval(poll);
    };
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== serviceOrigin || event.source !== popup) return;
      const data = event.data as { type?: string; token?: string; user?: ApiUser; error?: unknown };
      if (data?.type === "comments:auth" && typeof data.token === "string" && data.user) {
        finish();
        resolve({ token: data.token, user: data.user });
      } else if (data?.type === "comments:auth-error") {
        finish();
        const e = data.error as { message?: string } | string | undefined;
        reject(new Error(typeof e === "string" ? e : (e?.message ?? "Sign-in failed.")));
      }
    };
    window.addEventListener("message", onMessage);
    const poll = setInterval(() => {
      if (popup.closed) {
        finish();
        reject(new Error("closed"));
      }
    }, 500);
  });
}
