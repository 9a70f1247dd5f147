import type { Socket } from "socket.io-client";
import { ApiError, query } from "../shared/api";
import { el } from "../shared/dom";
import { connectLive } from "../shared/live";
import type { ApiComment, ApiThread, ApiUser } from "../shared/types";
import { CommentList, type SortOrder } from "./commentList";
import { createContext, postToHost } from "./context";
import { applyHostSignIn, hostToken } from "./hostSignIn";
import { NewCommentsNotice } from "./newCommentsNotice";
import { ReplyForm } from "./replyForm";

interface Listing {
  thread: ApiThread;
  comments: ApiComment[];
  nextCursor: string | null;
  total: number;
}

/** A live event as the server sends it, or as it comes back in a join's `missed` list. */
type LiveEvent = {
  seq?: number;
  comment?: ApiComment;
  id?: string;
  score?: number;
};

const ctx = createContext();
const main = el("main", { className: "cs", "aria-label": "Comments" });
const announcer = el("div", { className: "cs-sr", "aria-live": "polite", role: "log" });
const heading = el("h2", { className: "cs-count", id: "cs-count" }, "Comments");
const readers = el("span", { className: "cs-readers" });
const sortSelect = el(
  "select",
  { id: "cs-sort" },
  el("option", { value: "oldest" }, "Oldest first"),
  el("option", { value: "newest" }, "Newest first"),
  el("option", { value: "top" }, "Top rated"),
);
const loadMore = el(
  "button",
  { type: "button", className: "cs-button cs-load-more", hidden: true },
  "Load more comments",
);
const errorBox = el("p", { className: "cs-error", role: "alert", hidden: true });
const formHome = el("div");
const notice = new NewCommentsNotice(ctx, main);

const list = new CommentList(ctx, {
  reply: (comment, slot) => form.replyTo(comment, slot),
  needSignIn: (message) => form.ask(message),
  arrived: (node, comment) => {
    // One's own comment can come back live before the POST answers: it is no news to them.
    if (ctx.me && comment.author.id === ctx.me.id) return;
    announcer.textContent = `New comment from ${comment.author.name}.`;
    notice.arrived(node);
  },
});
const form = new ReplyForm(ctx, formHome, {
  posted: (comment) => {
    // When the live event beat the POST's answer, the server's thread:count (sent after it) has
    // or will have the right number; counting here too would count the comment twice.
    const arrivedLive = list.has(comment.id);
    const node = list.insert(comment, false);
    if (comment.status === "approved" && !arrivedLive) {
      setCount((ctx.thread?.commentCount ?? 0) + 1);
    }
    node?.scrollIntoView({ block: "nearest" });
    if (node) postToHost(ctx, { type: "comments:scroll-to", offset: offsetIn(node) });
  },
});

let nextCursor: string | null = null;
let lastSeq = 0;
let socket: Socket | null = null;
let ready = false;
const pending: [string, LiveEvent][] = [];

main.append(
  el(
    "header",
    { className: "cs-head" },
    heading,
    readers,
    el("span", { className: "cs-sort" }, el("label", { for: "cs-sort" }, "Sort by "), sortSelect),
  ),
  errorBox,
  list.root,
  loadMore,
  formHome,
  announcer,
);
document.body.append(main);

function setCount(n: number) {
  if (ctx.thread) ctx.thread.commentCount = n;
  heading.textContent = n === 0 ? "No comments yet" : n === 1 ? "1 Comment" : `${n} Comments`;
}

function offsetIn(node: HTMLElement): number {
  return node.getBoundingClientRect().top + window.scrollY;
}

async function loadPage(first: boolean) {
  const path = `/api/v1/sites/${encodeURIComponent(ctx.site)}/threads/${encodeURIComponent(ctx.key)}/comments`;
  const page = await ctx.api.get<Listing>(
    path + query({ sort: list.sort, cursor: first ? null : nextCursor, limit: 20 }),
  );
  ctx.thread = page.thread;
  if (first) list.clear();
  list.appendRoots(page.comments);
  nextCursor = page.nextCursor;
  loadMore.hidden = !nextCursor;
  setCount(page.thread.commentCount);
}

async function loadMe() {
  if (!ctx.tokens.get()) return;
  try {
    ctx.me = await ctx.api.get<ApiUser>("/api/v1/me");
  } catch {
    ctx.tokens.set(null);
    ctx.me = null;
  }
}

function apply(name: string, e: LiveEvent) {
  if (typeof e.seq === "number") {
    if (e.seq <= lastSeq && name !== "thread:count") return;
    lastSeq = Math.max(lastSeq, e.seq);
  }
  switch (name) {
    case "comment:created":
      if (e.comment && !list.has(e.comment.id)) list.insert(e.comment, true);
      else if (e.comment) list.update(e.comment, true);
      break;
    case "comment:updated":
      if (e.comment) list.update(e.comment, true);
      break;
    case "comment:deleted":
      if (e.id) list.remove(e.id, false);
      break;
    case "comment:voted":
      if (e.id && typeof e.score === "number") list.setScore(e.id, e.score);
      break;
  }
}

function onLive(name: string, e: LiveEvent) {
  if (!ready) pending.push([name, e]);
  else apply(name, e);
}

let joined = false;

function join() {
  socket?.emit(
    "thread:join",
    { site: ctx.site, key: ctx.key, since: joined ? lastSeq : null },
    (ack: {
      ok: boolean;
      seq?: number;
      missed?: { type: string; payload: LiveEvent }[];
      truncated?: boolean;
    }) => {
      if (!ack?.ok) return;
      if (joined && ack.truncated) {
        // Too much happened while away to replay: start over from the API.
        void reload();
      } else {
        for (const m of ack.missed ?? []) onLive(m.type, m.payload);
      }
      if (!joined && typeof ack.seq === "number") lastSeq = Math.max(lastSeq, ack.seq);
      joined = true;
    },
  );
}

function connect() {
  socket?.disconnect();
  socket = connectLive(ctx.service, ctx.tokens.get(), ctx.site);
  socket.on("connect", () => {
    document.documentElement.dataset.live = "connected";
    join();
  });
  socket.on("disconnect", (reason) => {
    document.documentElement.dataset.live = "disconnected";
    // The server hung up on purpose (a logout elsewhere, a ban): socket.io will not retry.
    if (reason === "io server disconnect") void recheckSession();
  });
  // A refused handshake is not retried either: a revoked token is the usual cause.
  socket.on("connect_error", () => {
    if (!socket?.active) void recheckSession();
  });
  for (const name of ["comment:created", "comment:updated", "comment:deleted", "comment:voted"]) {
    socket.on(name, (e: LiveEvent) => onLive(name, e));
  }
  socket.on("thread:count", (e: { commentCount?: number; readers?: number }) => {
    if (typeof e.commentCount === "number") setCount(e.commentCount);
    document.documentElement.dataset.readers = String(e.readers ?? "");
    if (typeof e.readers === "number" && e.readers > 1)
      readers.textContent = `${e.readers} reading now`;
    else readers.textContent = "";
  });
}

/** Asks the API whether the token still works: a 401 signs out (and reconnects anonymously). */
async function recheckSession() {
  const current = socket;
  if (ctx.tokens.get()) {
    try {
      await ctx.api.get<ApiUser>("/api/v1/me");
    } catch (err) {
      // A 401 went through onIdentityChange, which reconnected anonymously.
      if (err instanceof ApiError && err.status === 401) return;
    }
  }
  setTimeout(() => {
    if (socket === current && !current?.connected) current?.connect();
  }, 2000);
}

async function reload() {
  ready = false;
  try {
    await loadPage(true);
    errorBox.hidden = true;
  } catch (err) {
    errorBox.hidden = false;
    errorBox.textContent = err instanceof Error ? err.message : "Comments could not be loaded.";
  }
  form.render();
  ready = true;
  for (const [name, e] of pending.splice(0)) apply(name, e);
}

/** Another reader now: their held comments, votes and author-only bodies differ. */
function identityChanged() {
  lastSeq = 0;
  joined = false;
  connect();
  void reload();
}

sortSelect.addEventListener("change", () => {
  list.sort = sortSelect.value as SortOrder;
  void reload();
});
loadMore.addEventListener("click", async () => {
  loadMore.disabled = true;
  try {
    await loadPage(false);
  } finally {
    loadMore.disabled = false;
  }
});

// Size the iframe to the content; the host page scrolls, not the frame.
new ResizeObserver(() => {
  postToHost(ctx, {
    type: "comments:resize",
    height: Math.ceil(document.documentElement.getBoundingClientRect().height),
  });
}).observe(document.documentElement);

window.addEventListener("message", (event) => {
  if (event.origin !== ctx.parentOrigin || event.source !== window.parent) return;
  const m = event.data as { type?: string; top?: unknown; height?: unknown; vars?: unknown };
  if (m.type === "comments:viewport" && typeof m.top === "number" && typeof m.height === "number") {
    notice.viewport(m.top, m.height);
  } else if (m.type === "comments:theme" && m.vars && typeof m.vars === "object") {
    for (const [name, value] of Object.entries(m.vars as Record<string, unknown>)) {
      // setProperty takes one value; the check keeps it to a plain token list.
      if (
        /^[a-z]+$/.test(name) &&
        typeof value === "string" &&
        value.length < 200 &&
        !/[;{}<>\\]/.test(value)
      ) {
        document.documentElement.style.setProperty(`--cs-${name}`, value);
      }
    }
  }
});

void (async () => {
  // Asked first, so the host's token and the stored session are weighed together.
  const fromHost = hostToken(ctx);
  await loadMe();
  await applyHostSignIn(ctx, await fromHost);
  ctx.onIdentityChange = identityChanged;
  connect();
  await reload();
  postToHost(ctx, { type: "comments:ready" });
  // Which token store is in use ("local" or "memory"), for whoever debugs a blocked storage.
  document.documentElement.dataset.storage = ctx.tokens.kind;
  document.documentElement.dataset.ready = "true";
})();
