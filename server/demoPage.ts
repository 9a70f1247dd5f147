import type { Config } from "../config";

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** The demo article page at /, with the comment section under it. */
export function demoPage(config: Config): string {
  const host = escapeHtml(config.publicUrl);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo article: comments under a post</title>
<style>
  body { font: 17px/1.6 Georgia, serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  h1 { line-height: 1.2; }
  .meta { color: #666; font-size: .9rem; }
</style>
</head>
<body>
<article>
  <h1>Why we built our own comment section</h1>
  <p class="meta">A demo post: the comments below are real and stored in the service's database.</p>
  <p>Reader comments are where an article keeps living after it is published. We wanted them fast,
  safe and simple to run: threaded replies, sign-in with WordPress.com, Twitter or Facebook, live
  updates, and a moderation queue.</p>
  <p>Try it: leave a reply below as a guest, or reply to someone else's comment.</p>
</article>
<section id="comments" data-site="demo" data-key="welcome" data-api="${host}">
  <h2>Leave a Reply</h2>
  <form id="reply">
    <p><label>Comment<br><textarea name="body" rows="4" cols="60" required maxlength="10000"></textarea></label></p>
    <p><label>Name (required) <input name="name" required maxlength="100"></label></p>
    <p><label>Email (required, never shown) <input name="email" type="email" required></label></p>
    <p><label>Website <input name="website" type="url"></label></p>
    <p><button>Post Comment</button> <span id="status" role="status"></span></p>
  </form>
  <h2 id="count">Comments</h2>
  <ol id="list"></ol>
</section>
<script src="${host}/demo.js" defer></script>
</body>
</html>`;
}

/** The demo page's script: lists the thread and posts as a guest. Server HTML is pre-sanitized. */
export const demoScript = `(() => {
  const root = document.getElementById("comments");
  const api = root.dataset.api + "/api/v1/sites/" + root.dataset.site + "/threads/" + encodeURIComponent(root.dataset.key);
  const list = document.getElementById("list");
  let replyTo = null;
  function render(c, into) {
    const li = document.createElement("li");
    const who = document.createElement("strong");
    who.textContent = c.author.name;
    const when = document.createElement("small");
    when.textContent = " " + new Date(c.createdAt).toLocaleString() + (c.status === "pending" ? " (awaiting moderation)" : "");
    const body = document.createElement("div");
    body.innerHTML = c.html;
    li.append(who, when, body);
    if (c.status === "approved") {
      const reply = document.createElement("button");
      reply.type = "button";
      reply.textContent = "Reply";
      reply.onclick = () => { replyTo = c.id; document.querySelector("#reply textarea").focus(); };
      li.append(reply);
    }
    if (c.replies.length) {
      const ol = document.createElement("ol");
      c.replies.forEach((r) => render(r, ol));
      li.append(ol);
    }
    into.append(li);
  }
  async function load() {
    const res = await fetch(api + "/comments?limit=100");
    const data = await res.json();
    list.replaceChildren();
    data.comments.forEach((c) => render(c, list));
    document.getElementById("count").textContent = data.thread.commentCount + " Comments";
  }
  document.getElementById("reply").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    const status = document.getElementById("status");
    const res = await fetch(api + "/comments", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        body: f.body.value, parentId: replyTo, url: location.href, title: document.title,
        guest: { name: f.name.value, email: f.email.value, website: f.website.value },
      }),
    });
    const data = await res.json();
    status.textContent = res.ok ? (res.status === 202 ? "Your comment is awaiting moderation." : "Posted.") : data.error.message;
    if (res.ok) { f.body.value = ""; replyTo = null; load(); }
  });
  load();
})();
`;
