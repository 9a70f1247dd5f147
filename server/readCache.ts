import crypto from "node:crypto";
import { forgetListedOrigins } from "./middleware/cors";
import zlib from "node:zlib";
import type { OutgoingHttpHeaders } from "node:http";
import type { Request, Response } from "express";
import type Redis from "ioredis";
import type { Logger } from "pino";
import type { DomainEvents } from "./events";
import { forgetBans } from "./services/bans";
import { forgetSite, forgetThreadState } from "./services/sites";

/** A response ready to send: its bytes, their gzip, and a strong ETag of the bytes. */
export interface CachedPage {
  etag: string;
  body: Buffer;
  gzip: Buffer | null;
}

// Below this, gzip costs more than it saves.
const GZIP_MIN_BYTES = 1024;

/** The scope of a thread's pages, and of every page of a site. */
export const threadScope = (site: string, key: string) => `t\u0000${site}\u0000${key}`;
export const siteScope = (site: string) => `s\u0000${site}`;

const replayKey = (url: string, origin: string | undefined) => `${url}\u0000${origin ?? ""}`;

/** Serializes once, hashes the bytes, compresses them when worth it. */
export function preparePage(value: unknown): CachedPage {
  const body = Buffer.from(JSON.stringify(value));
  const etag = `"${crypto.createHash("sha1").update(body).digest("base64url")}"`;
  const gzip = body.length >= GZIP_MIN_BYTES ? zlib.gzipSync(body, { level: 6 }) : null;
  return { etag, body, gzip };
}

/** Sends a prepared page: 304 when the client holds these bytes, gzip when it accepts it. */
export function sendPage(req: Request, res: Response, page: CachedPage): void {
  res.set("ETag", page.etag);
  res.set("Cache-Control", "no-cache");
  res.vary("Accept-Encoding");
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  res.type("application/json");
  if (page.gzip && req.acceptsEncodings("gzip", "identity") === "gzip") {
    res.set("Content-Encoding", "gzip");
    res.send(page.gzip);
    return;
  }
  res.send(page.body);
}

/**
 * Anonymous readers' pages (threads, comment pages, replies, counts) kept in memory as ready bytes.
 * Each entry belongs to scopes (its thread, its site); the domain events that change a thread drop
 * its scope's entries synchronously, before the event reaches any socket, and a page computed by a
 * read that began before a drop is never stored, so what is served is never older than the last
 * event sent. With Redis, drops are published to the other instances on the same connection that
 * carries socket.io's events, ahead of them.
 */
export class ReadCache {
  private readonly entries = new Map<string, { page: CachedPage; scopes: string[] }>();
  private readonly byScope = new Map<string, Set<string>>();
  // Logical clock: a scope's stamp is the tick of its last drop; a read records the tick it began at.
  private clock = 0;
  private readonly stamps = new Map<string, number>();
  // Stamps older than this were forgotten: reads that began before it are not stored.
  private forgottenBefore = 0;
  private bytes = 0;
  // Requests already answered from an entry, by exact URL and Origin, with the headers express
  // sent for them: the same request again is answered before express (server/fastReads.ts).
  private readonly replays = new Map<string, { key: string; headers: OutgoingHttpHeaders }>();
  private readonly inflight = new Map<string, { began: number; page: Promise<CachedPage> }>();
  hits = 0;
  misses = 0;
  /** Pages read from the database (concurrent misses of one key count once). */
  computed = 0;

  /** Tells the other instances of a drop (set when Redis carries them). */
  peer: { publish(scope: string): void; connected(): boolean } | null = null;

  constructor(private readonly limits = { entries: 10_000, bytes: 128 * 1024 * 1024 }) {}

  /** A cache of `mb` MiB; 0 keeps nothing (every read goes to the database). */
  static ofSize(mb: number): ReadCache {
    return new ReadCache({ entries: mb === 0 ? 0 : 10_000, bytes: mb * 1024 * 1024 });
  }

  /**
   * For pages that differ by reader: an anonymous reader is served through the cache, a signed-in
   * one (their votes, their held comments) gets a read of their own that is never stored.
   */
  async serveAnonymous(
    req: Request,
    res: Response,
    key: string,
    compute: () => Promise<{ body: unknown; scopes: string[] }>,
  ): Promise<void> {
    if (req.viewer.user) {
      res.json((await compute()).body);
      return;
    }
    await this.serve(req, res, key, compute);
  }

  /**
   * Serves `key` from memory, or computes it, stores it under the scopes the computation names
   * and serves it.
   */
  async serve(
    req: Request,
    res: Response,
    key: string,
    compute: () => Promise<{ body: unknown; scopes: string[] }>,
  ): Promise<void> {
    // Without the drops of the other instances, a stored page could outlive a change.
    if (this.peer && !this.peer.connected()) {
      sendPage(req, res, preparePage((await compute()).body));
      return;
    }
    const hit = this.entries.get(key);
    if (hit) {
      this.hits++;
      // Re-inserting keeps the Map in least-recently-used order for eviction.
      this.entries.delete(key);
      this.entries.set(key, hit);
      sendPage(req, res, hit.page);
      this.rememberReplay(req, res, key);
      return;
    }
    this.misses++;
    // Concurrent misses on one key share one read: a popular page that expires must not send the
    // engine as many copies of the same query as there are readers (measured: 50 readers of a
    // slow page queued 50 reads on its single connection and starved every other request).
    // A read joins one begun since the last drop only, so it never gets a page older than an event
    // already sent.
    let flight = this.inflight.get(key);
    if (!flight || flight.began !== this.clock) {
      const began = this.clock;
      this.computed++;
      const page = compute().then(({ body, scopes }) => {
        const prepared = preparePage(body);
        this.store(key, scopes, began, prepared);
        return prepared;
      });
      const current = { began, page };
      flight = current;
      this.inflight.set(key, current);
      const done = () => {
        if (this.inflight.get(key) === current) this.inflight.delete(key);
      };
      void page.then(done, done);
    }
    sendPage(req, res, await flight.page);
    if (this.entries.has(key)) this.rememberReplay(req, res, key);
  }

  private rememberReplay(req: Request, res: Response, key: string) {
    if (res.statusCode !== 200 || req.viewer?.user) return;
    const headers = { ...res.getHeaders() };
    delete headers["content-length"];
    delete headers["content-encoding"];
    const id = replayKey(req.originalUrl, req.headers.origin);
    this.replays.delete(id);
    this.replays.set(id, { key, headers });
    if (this.replays.size > 2 * Math.max(this.limits.entries, 1)) {
      this.replays.delete(this.replays.keys().next().value!);
    }
  }

  /** The page and headers for a request answered from an entry before, if the entry is still kept. */
  replay(
    url: string,
    origin: string | undefined,
  ): { page: CachedPage; headers: OutgoingHttpHeaders } | null {
    const known = this.replays.get(replayKey(url, origin));
    const entry = known && this.entries.get(known.key);
    if (!known || !entry) return null;
    this.hits++;
    return { page: entry.page, headers: known.headers };
  }

  private store(key: string, scopes: string[], began: number, page: CachedPage) {
    if (this.limits.entries === 0 || began < this.forgottenBefore) return;
    if (scopes.some((s) => (this.stamps.get(s) ?? 0) > began)) return;
    this.remove(key);
    this.entries.set(key, { page, scopes });
    this.bytes += page.body.length + (page.gzip?.length ?? 0);
    for (const s of scopes) {
      let set = this.byScope.get(s);
      if (!set) this.byScope.set(s, (set = new Set()));
      set.add(key);
    }
    while (this.entries.size > this.limits.entries || this.bytes > this.limits.bytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  private remove(key: string) {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.page.body.length + (entry.page.gzip?.length ?? 0);
    for (const s of entry.scopes) {
      const set = this.byScope.get(s);
      set?.delete(key);
      if (set?.size === 0) this.byScope.delete(s);
    }
  }

  // Approved-comment counts by thread scope, for article lists: kept apart from pages because a
  // list names many threads, and one thread's change should not cost re-reading the other 99.
  private readonly counts = new Map<string, number>();

  /**
   * Counts for these keys: those known from memory, the rest from `load` (stored unless a drop of
   * their thread came while it ran).
   */
  async countsFor(
    site: string,
    keys: string[],
    load: (keys: string[]) => Promise<Record<string, number>>,
  ): Promise<Record<string, number>> {
    const out: Record<string, number> = Object.create(null) as Record<string, number>;
    const missing: string[] = [];
    for (const k of keys) {
      const known = this.counts.get(threadScope(site, k));
      if (known === undefined) missing.push(k);
      else out[k] = known;
    }
    if (missing.length === 0) return out;
    const began = this.clock;
    const loaded = await load(missing);
    const keep =
      this.limits.entries > 0 &&
      began >= this.forgottenBefore &&
      (!this.peer || this.peer.connected());
    for (const k of missing) {
      out[k] = loaded[k] ?? 0;
      const scope = threadScope(site, k);
      if (
        keep &&
        (this.stamps.get(scope) ?? 0) <= began &&
        (this.stamps.get(siteScope(site)) ?? 0) <= began
      ) {
        if (this.counts.size >= 100_000) this.counts.delete(this.counts.keys().next().value!);
        this.counts.set(scope, out[k]);
      }
    }
    return out;
  }

  /** Drops every page of the scope, here only (drops from other instances arrive here). */
  dropLocal(scope: string): void {
    this.counts.delete(scope);
    if (scope.startsWith("b\u0000")) forgetBans(scope.slice(2));
    if (scope.startsWith("t\u0000")) {
      const [site, key] = scope.slice(2).split("\u0000");
      forgetThreadState(site!, key);
    }
    if (scope.startsWith("s\u0000")) {
      forgetSite(scope.slice(2));
      forgetListedOrigins();
      forgetThreadState(scope.slice(2));
      const prefix = `t\u0000${scope.slice(2)}\u0000`;
      for (const k of [...this.counts.keys()]) if (k.startsWith(prefix)) this.counts.delete(k);
    }
    this.stamps.set(scope, ++this.clock);
    if (this.stamps.size > 100_000) {
      this.stamps.clear();
      this.forgottenBefore = this.clock;
    }
    for (const key of [...(this.byScope.get(scope) ?? [])]) this.remove(key);
  }

  /** Drops every page of the scope, here and on the other instances. */
  drop(scope: string): void {
    this.dropLocal(scope);
    this.peer?.publish(scope);
  }

  /** Drops everything, here only. */
  clear(): void {
    // Loads that began before this must not store what they read.
    this.forgottenBefore = ++this.clock;
    this.counts.clear();
    for (const key of [...this.entries.keys()]) this.remove(key);
  }

  get size() {
    return this.entries.size;
  }

  /** Drops a thread's pages on every event that changes what its readers see. */
  listen(events: DomainEvents): void {
    const thread = (e: { comment: { site: string; threadKey: string } }) =>
      this.drop(threadScope(e.comment.site, e.comment.threadKey));
    events.on("comment.created", thread);
    events.on("comment.updated", thread);
    events.on("comment.deleted", thread);
    events.on("comment.voted", thread);
    events.on("comment.moderated", thread);
    events.on("thread.updated", (e) => this.drop(threadScope(e.thread.site, e.thread.key)));
    events.on("site.updated", (e) => this.drop(siteScope(e.site)));
    // No page shows bans; the scope only carries the drop to the other instances' ban lookups.
    events.on("bans.changed", (e) => this.drop(`b\u0000${e.site}`));
  }
}

const CHANNEL = "comments#read-cache";

/**
 * Carries drops between instances over Redis. `pub` is the connection socket.io's adapter
 * publishes on, so a drop goes out before the socket event that announces the same change.
 */
export function connectReadCacheDrops(cache: ReadCache, pub: Redis, logger: Logger): () => void {
  const instance = crypto.randomUUID();
  const sub = pub.duplicate();
  sub.on("error", (err: Error) => logger.warn({ err: err.message }, "redis error (read cache)"));
  sub.on("message", (_channel: string, message: string) => {
    const sep = message.indexOf("\n");
    if (sep < 0 || message.slice(0, sep) === instance) return;
    cache.dropLocal(message.slice(sep + 1));
  });
  // Drops missed while Redis was away cannot be replayed: start clean when it returns.
  let subscribed = false;
  sub.on("ready", () => {
    sub.subscribe(CHANNEL).then(
      () => {
        cache.clear();
        subscribed = true;
      },
      () => undefined,
    );
  });
  sub.on("close", () => (subscribed = false));
  void sub.connect().catch(() => undefined);
  cache.peer = {
    publish: (scope) => void pub.publish(CHANNEL, `${instance}\n${scope}`),
    connected: () => subscribed && sub.status === "ready" && pub.status === "ready",
  };
  return () => {
    cache.peer = null;
    sub.disconnect();
  };
}
