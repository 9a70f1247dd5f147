import { decodeHTML } from "entities";
import TurndownService from "turndown";
import type { CommentStatus } from "../../models/Comment";

/** A page of the source, before it has a thread key of ours. */
export interface SourceThread {
  kind: "thread";
  /** The source's own id for it, unique within the file. */
  id: string;
  url: string | null;
  title: string | null;
  /** The source's page identifier besides the URL (Disqus `<id>`, WordPress `wp:post_id`). */
  identifier: string | null;
  closed: boolean;
  createdAt: Date | null;
  line?: number;
}

export interface SourceAuthor {
  name: string;
  email: string | null;
  website: string | null;
  avatarUrl: string | null;
}

export interface SourceComment {
  kind: "comment";
  id: string;
  /** The SourceThread's id. */
  thread: string;
  /** The parent's source id, or null for a root. */
  parent: string | null;
  /** Given inline, or by reference to a SourceAuthorRecord that may come later in the file. */
  author: SourceAuthor | { ref: string };
  createdAt: Date;
  editedAt: Date | null;
  status: CommentStatus;
  /** The text as Markdown (already converted where the source has HTML). */
  body: string;
  score: number;
  pinned: boolean;
  line?: number;
}

/** An author that comments name by reference (Commento's commenters). */
export interface SourceAuthorRecord {
  kind: "author";
  id: string;
  author: SourceAuthor;
  line?: number;
}

/** What a parser yields: records, things it skipped on purpose, and records it could not read. */
export type SourceRecord =
  | SourceThread
  | SourceComment
  | SourceAuthorRecord
  | { kind: "skipped"; reason: string; line?: number }
  | { kind: "error"; message: string; line?: number };

export const IMPORT_FORMATS = ["disqus", "wxr", "remark42", "isso", "commento", "native"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const THREAD_KEY_SOURCES = ["identifier", "url", "path"] as const;
export type ThreadKeySource = (typeof THREAD_KEY_SOURCES)[number];

const turndown = new TurndownService({
  headingStyle: "atx",
  codeBlockStyle: "fenced",
  emDelimiter: "*",
  bulletListMarker: "-",
});
// What our renderer would not show anyway goes with its content.
turndown.remove(["script", "style", "iframe", "object", "embed", "noscript", "template"]);
// Line breaks: our renderer turns a newline into <br>, so a bare newline keeps a <br>.
turndown.addRule("lineBreak", { filter: "br", replacement: () => "\n" });
// Comments show no images (see markdown.ts): an image leaves its alt text.
turndown.addRule("image", {
  filter: "img",
  replacement: (_content, node) => (node as unknown as Element).getAttribute("alt") ?? "",
});
// A link that is not http(s) or mailto keeps its text and loses the target.
turndown.addRule("unsafeLink", {
  filter: (node) =>
    node.nodeName === "A" && !/^(https?:|mailto:)/i.test(node.getAttribute("href") ?? ""),
  replacement: (content) => content,
});

/**
 * A source's HTML comment body as Markdown. The result is rendered and sanitized by our own
 * renderer like any posted body, so what the source allowed never reaches a page unchecked.
 */
export function htmlToMarkdown(html: string): string {
  if (!/[<&]/.test(html)) return html.trim();
  try {
    return turndown.turndown(html).trim();
  } catch {
    return html.replace(/<[^>]*>/g, "").trim();
  }
}

/** A date from the source, or null when it does not parse. */
export function parseDate(value: string | number | null | undefined): Date | null {
  if (value === null || value === undefined || value === "") return null;
  const d =
    typeof value === "number" ? new Date(value) : new Date(String(value).trim().replace(" ", "T"));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A URL's path (with its query), the default thread key where the source has no page id. */
export function urlPath(url: string): string | null {
  try {
    const u = new URL(url, "http://placeholder.invalid");
    return `${u.pathname}${u.search}` || "/";
  } catch {
    return null;
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

/** Trims and caps a source's string field; null when empty. */
export function clean(value: unknown, max = 2000): string | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  // The engine stores no NUL; other control characters are noise in every source seen.
  const s = String(value).replace(CONTROL, "").trim();
  return s === "" ? null : s.slice(0, max);
}

/** An http(s) URL or null: an author's website must never be `javascript:` or the like. */
export function httpUrlOrNull(value: unknown): string | null {
  const s = clean(value);
  if (!s) return null;
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:" ? u.toString() : null;
  } catch {
    return null;
  }
}

/** An email address as we store it (lowercase), or null when it does not look like one. */
export function emailOrNull(value: unknown): string | null {
  const s = clean(value, 254);
  return s && /^[^\s@]+@[^\s@]+$/.test(s) ? s.toLowerCase() : null;
}

/** A plain-text field (a name, a title) as the reader should see it: HTML entities decoded. */
export function plainText(value: string | null | undefined, max: number): string | null {
  return value ? clean(decodeHTML(value), max) : null;
}
