import vm from "node:vm";

/** What a browser records while a popup runs the sign-in. */
export interface PopupRun {
  /** Every URL the popup was sent to, the start URL included. */
  urls: string[];
  /** Every Location header seen. */
  locations: string[];
  final: { url: string; status: number; headers: Headers; body: string };
}

/** Cookies per host, as a browser keeps them (name=value; attributes read: Max-Age, Expires). */
export class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();

  store(url: string, headers: Headers): void {
    const host = new URL(url).host;
    const jar = this.byHost.get(host) ?? new Map<string, string>();
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v] = a.trim().split("=");
        if (k?.toLowerCase() === "max-age") return Number(v) <= 0;
        if (k?.toLowerCase() === "expires") return new Date(v ?? "").getTime() <= Date.now();
        return false;
      });
      if (expired || value === "") jar.delete(name);
      else jar.set(name, value);
    }
    this.byHost.set(host, jar);
  }

  header(url: string): string {
    const jar = this.byHost.get(new URL(url).host);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join("; ") : "";
  }

  get(url: string, name: string): string | undefined {
    return this.byHost.get(new URL(url).host)?.get(name);
  }
}

/**
 * Opens a URL as a popup would: follows redirects across hosts, keeping cookies per host.
 * `stopBefore` ends the run, unfetched, at the first URL it accepts (final.status is then 0).
 */
export async function runPopup(
  startUrl: string,
  opts: { jar?: CookieJar; stopBefore?: (url: string) => boolean } = {},
): Promise<PopupRun> {
  const jar = opts.jar ?? new CookieJar();
  const urls: string[] = [];
  const locations: string[] = [];
  let url = startUrl;
  for (let hop = 0; hop < 10; hop++) {
    if (opts.stopBefore?.(url))
      return { urls, locations, final: { url, status: 0, headers: new Headers(), body: "" } };
    urls.push(url);
    const cookie = jar.header(url);
    const res = await fetch(url, {
      redirect: "manual",
      headers: cookie ? { cookie } : {},
    });
    jar.store(url, res.headers);
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      locations.push(location);
      url = new URL(location, url).toString();
      await res.arrayBuffer();
      continue;
    }
    return {
      urls,
      locations,
      final: { url, status: res.status, headers: res.headers, body: await res.text() },
    };
  }
  throw new Error(`too many redirects from ${startUrl}`);
}

export interface PostedMessage {
  message: Record<string, unknown> & { type: string };
  targetOrigin: string;
}

/**
 * Runs the callback page's script as the browser would, against a stand-in window.opener, and
 * returns what it posted. Fails when the script lacks the nonce the page's CSP allows.
 */
export function runCallbackPage(
  html: string,
  csp: string | null,
): {
  posted: PostedMessage[];
  closed: boolean;
} {
  const m = /<script nonce="([^"]+)">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error("the callback page has no nonced script");
  const allowed = /script-src 'nonce-([^']+)'/.exec(csp ?? "");
  if (!allowed || allowed[1] !== m[1]) throw new Error("the script's nonce is not the CSP's");
  const posted: PostedMessage[] = [];
  let closed = false;
  const window = {
    opener: {
      postMessage: (message: PostedMessage["message"], targetOrigin: string) =>
        posted.push({ message, targetOrigin }),
    },
    close: () => {
      closed = true;
    },
  };
  vm.runInNewContext(m[2]!, { window });
  return { posted, closed };
}
