import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "../config";
import { escapeHtml } from "./html";

/** The demo site's articles: a key, a title and a first paragraph each. */
export const DEMO_POSTS: { key: string; title: string; lede: string }[] = [
  {
    key: "welcome",
    title: "Why we built our own comment section",
    lede: "Reader comments are where an article keeps living after it is published. We wanted them fast, safe and simple to run: threaded replies, sign-in with WordPress.com, Twitter or Facebook, live updates, and a moderation queue.",
  },
  {
    key: "keyset-pagination",
    title: "Keyset pagination, or why page 500 should be as fast as page 1",
    lede: "Skipping rows gets slower the further you go. Remembering where the last page ended does not.",
  },
  {
    key: "moderation-queue",
    title: "A moderation queue that fills while you watch",
    lede: "Held comments reach moderators the moment they are posted, and readers the moment they are approved.",
  },
];

const STYLE = `
  :root { color-scheme: light dark; }
  body { font: 18px/1.6 Georgia, "DejaVu Serif", serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; background: #fff; }
  /* The widget takes its colours from these variables on its container (see docs/embedding.md). */
  #comments { --comments-background: #fff; }
  @media (prefers-color-scheme: dark) {
    body { color: #e6e6e6; background: #121212; } a { color: #8ab4f8; }
    #comments { --comments-background: #121212; }
  }
  h1 { line-height: 1.2; }
  .meta { color: #777; font-size: .9rem; }
  nav a { margin-right: 1rem; }
  li { margin-bottom: 1rem; }`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<nav><a href="/">Home</a><a href="/demo/list">All posts</a></nav>
${body}
</body>
</html>`;
}

/**
 * A demo article with the comment section under it, embedded exactly as a site owner would:
 * the container and the script tag of shared/API.md's "Embedding".
 */
export function demoArticlePage(config: Config, key = "welcome"): string {
  const post = DEMO_POSTS.find((p) => p.key === key) ?? DEMO_POSTS[0]!;
  const host = escapeHtml(config.publicUrl);
  return layout(
    post.title,
    `<article>
  <h1>${escapeHtml(post.title)}</h1>
  <p class="meta">A demo post: the comments below are real, stored in the service's database, and
  served from <a href="${host}">${host}</a> into this page from another origin.</p>
  <p>${escapeHtml(post.lede)}</p>
  <p>Try it: leave a reply below as a guest, sign in, or reply to someone else's comment. Open
  this page in a second window to watch replies arrive live.</p>
</article>
<div id="comments"></div>
<script src="${host}/embed.js" data-site="demo" data-key="${escapeHtml(post.key)}" async></script>`,
  );
}

/** An article listing with a comment count beside each post, filled by count.js in one request. */
export function demoListPage(config: Config): string {
  const host = escapeHtml(config.publicUrl);
  const items = DEMO_POSTS.map(
    (p) => `<li><a href="/?post=${encodeURIComponent(p.key)}">${escapeHtml(p.title)}</a><br>
  <span class="meta" data-comments-count="${escapeHtml(p.key)}">…</span></li>`,
  ).join("\n");
  return layout(
    "All posts",
    `<h1>All posts</h1>
<ol>
${items}
</ol>
<script src="${host}/count.js" data-site="demo" async></script>`,
  );
}

/**
 * The demo's second origin. With the service on localhost the demo uses 127.0.0.1 (and the other
 * way round), so the host page is another site and the widget runs as a third party, as it does
 * on a real blog.
 */
export function demoOriginFor(config: Config, port: number): string {
  const url = new URL(config.publicUrl);
  const host =
    url.hostname === "localhost"
      ? "127.0.0.1"
      : url.hostname === "127.0.0.1"
        ? "localhost"
        : url.hostname;
  return `http://${host}:${port}`;
}

/** Serves the demo article at / and the listing at /demo/list on its own port. */
export async function startDemoServer(
  config: Config,
  port: number,
): Promise<{ server: http.Server; origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://demo.invalid");
    let html: string | null = null;
    if (req.method === "GET" && url.pathname === "/")
      html = demoArticlePage(config, url.searchParams.get("post") ?? undefined);
    else if (req.method === "GET" && url.pathname === "/demo/list") html = demoListPage(config);
    res.setHeader("Content-Type", html ? "text/html; charset=utf-8" : "text/plain");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.statusCode = html ? 200 : 404;
    res.end(html ?? "Not found");
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  const origin = demoOriginFor(config, (server.address() as AddressInfo).port);
  return {
    server,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
