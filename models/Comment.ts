import { Schema, Types, model } from "mongoose";
import { SIGN_IN_PROVIDERS } from "./Site";

export const COMMENT_STATUSES = ["approved", "pending", "rejected", "spam", "deleted"] as const;
export type CommentStatus = (typeof COMMENT_STATUSES)[number];
export const AUTHOR_PROVIDERS = [...SIGN_IN_PROVIDERS, "guest"] as const;
export type AuthorProvider = (typeof AUTHOR_PROVIDERS)[number];
export const ROLES = ["commenter", "moderator", "admin"] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roots are numbered per thread and grouped in buckets of this size; every reply belongs to its
 * root's bucket. A page of roots and their replies is then read with one equality query on the
 * bucket's key, whatever the thread's or the site's size: it touches one bucket's trees.
 */
export const ROOT_BUCKET_SIZE = 20;

/** The bucket size of threads created before threads recorded their own (see bucketSizeOf). */
export const LEGACY_ROOT_BUCKET_SIZE = 32;

/**
 * The key of a thread's root bucket. One field, not (thread, bucket): the embedded engine serves
 * only top-level equality from an index, and one exact key matches the bucket's documents alone,
 * where `thread` would match the whole thread and `bucket` that bucket of every thread.
 */
export const pageKey = (thread: Types.ObjectId, bucket: number) =>
  `${thread.toHexString()}:${bucket}`;

/**
 * A root's first REPLY_HEAD replies are kept in its root bucket, so small trees come with their
 * page in the same query. Past that the tree is "big": its replies leave the bucket and are read
 * in tree order through sibling buckets, SIBLING_BUCKET children of one parent per query.
 */
export const REPLY_HEAD = 50;
export const SIBLING_BUCKET = 50;

/** The key of a parent's `k`th bucket of children. */
export const siblingKey = (parent: Types.ObjectId, k: number) => `${parent.toHexString()}:${k}`;

export interface CommentAuthor {
  /** Null for guests. */
  user: Types.ObjectId | null;
  name: string;
  /** Guests only; never sent by a public endpoint. */
  email: string | null;
  website: string | null;
  avatarUrl: string | null;
  profileUrl: string | null;
  provider: AuthorProvider;
  role: Role;
}

/**
 * Who a comment belongs to, as one top-level string: `u:<user id>` for a signed-in author (on
 * every site), `e:<site>:<email>` for a guest. The embedded engine filters dotted paths
 * (`author.user`) in Go over the whole collection; a top-level key is served by its GIN index.
 */
export function ownerKey(
  site: string,
  author: Pick<CommentAuthor, "user" | "email">,
): string | null {
  if (author.user) return `u:${author.user.toHexString()}`;
  return author.email ? `e:${site}:${author.email.toLowerCase()}` : null;
}

export interface CommentDoc {
  _id: Types.ObjectId;
  site: string;
  threadKey: string;
  thread: Types.ObjectId;
  parentId: Types.ObjectId | null;
  /** Root first, parent last. */
  ancestors: Types.ObjectId[];
  /** The root of this comment's tree (itself for a root). */
  rootId: Types.ObjectId;
  depth: number;
  /** Ancestors' and own ids in hex joined by "/": sorting by it gives tree order. */
  path: string;
  /** floor(root number / its thread's bucket size) of this comment's root. */
  bucket: number;
  /** pageKey(thread, bucket); null for the replies of a big tree (see REPLY_HEAD). */
  page: string | null;
  /** A reply's place among its parent's children: siblingKey(parent, childNumber / SIBLING_BUCKET). */
  sib: string | null;
  /** Children ever posted under this comment, numbering them. */
  childSeq: number;
  /** A root's replies ever posted, at any depth; past REPLY_HEAD its tree is big. */
  replySeq: number;
  /** A root's replies now visible to everyone, at any depth (for "more replies"). */
  descendants: number;
  author: CommentAuthor;
  /** ownerKey(site, author): the author's comments by one top-level key (see ownerKey). */
  owner: string | null;
  ip: string | null;
  body: string;
  html: string;
  status: CommentStatus;
  /** Shown to everyone: approved, or a deleted comment that still has visible replies. */
  visible: boolean;
  /** Why the rules held or rejected it, for moderators. */
  reasons: string[];
  score: number;
  /** Direct replies currently visible to everyone. */
  replyCount: number;
  flagCount: number;
  /**
   * A root with a non-zero score: its bucket key in its thread's list for that score (the top sort);
   * null for replies and for roots at 0, which the top sort reads from the root buckets.
   */
  rank: string | null;
  rankSeq: number | null;
  /** Bucket key in its site's moderation list for its status (pending, spam, rejected), or null. */
  queue: string | null;
  queueSeq: number | null;
  /** Bucket key in its site's list of flagged comments, or null. */
  flagQueue: string | null;
  flagSeq: number | null;
  pinned: boolean;
  /** The thread's id while this root is pinned, else null: pinned roots by one exact key. */
  pin: string | null;
  createdAt: Date;
  editedAt: Date | null;
  updatedAt: Date;
}

const authorSchema = new Schema<CommentAuthor>(
  {
    user: { type: Schema.Types.ObjectId, ref: "User", default: null },
    name: { type: String, required: true },
    email: { type: String, default: null },
    website: { type: String, default: null },
    avatarUrl: { type: String, default: null },
    profileUrl: { type: String, default: null },
    provider: { type: String, enum: AUTHOR_PROVIDERS, required: true },
    role: { type: String, enum: ROLES, default: "commenter" },
  },
  { _id: false },
);

const commentSchema = new Schema<CommentDoc>(
  {
    site: { type: String, required: true },
    threadKey: { type: String, required: true },
    thread: { type: Schema.Types.ObjectId, ref: "Thread", required: true },
    parentId: { type: Schema.Types.ObjectId, default: null },
    ancestors: { type: [Schema.Types.ObjectId], default: [] },
    rootId: { type: Schema.Types.ObjectId, required: true },
    depth: { type: Number, required: true, min: 0 },
    path: { type: String, required: true },
    bucket: { type: Number, required: true },
    page: { type: String, default: null },
    sib: { type: String, default: null },
    childSeq: { type: Number, default: 0 },
    replySeq: { type: Number, default: 0 },
    descendants: { type: Number, default: 0 },
    author: { type: authorSchema, required: true },
    owner: { type: String, default: null },
    ip: { type: String, default: null },
    body: { type: String, default: "" },
    html: { type: String, default: "" },
    status: { type: String, enum: COMMENT_STATUSES, required: true },
    visible: { type: Boolean, required: true },
    reasons: { type: [String], default: [] },
    score: { type: Number, default: 0 },
    replyCount: { type: Number, default: 0 },
    flagCount: { type: Number, default: 0 },
    rank: { type: String, default: null },
    rankSeq: { type: Number, default: null },
    queue: { type: String, default: null },
    queueSeq: { type: Number, default: null },
    flagQueue: { type: String, default: null },
    flagSeq: { type: Number, default: null },
    pinned: { type: Boolean, default: false },
    pin: { type: String, default: null },
    editedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);

// Pages: a bucket's trees (oldest/newest), and roots by score (top).
commentSchema.index({ page: 1 });
commentSchema.index({ rank: 1 });
// Pinned roots.
commentSchema.index({ pin: 1 });
// A parent's children, one sibling bucket at a time (tree order for big trees).
commentSchema.index({ sib: 1 });
// A small tree's replies within its root bucket.
commentSchema.index({ page: 1, rootId: 1 });
// An author's own pending comments, and the first-comment rule.
commentSchema.index({ "author.user": 1, site: 1, status: 1 });
commentSchema.index({ "author.email": 1, site: 1, status: 1 });
// A user's or a guest's own comments (their data export, account deletion, erasure by email).
commentSchema.index({ owner: 1 });
// The moderation queue: one bucket of a site's list per query (server/services/moderationQueue.ts).
commentSchema.index({ queue: 1 });
commentSchema.index({ flagQueue: 1 });

export const Comment = model<CommentDoc>("Comment", commentSchema);
