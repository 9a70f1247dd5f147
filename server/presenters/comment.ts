import type { CommentDoc, CommentStatus, Role, AuthorProvider } from "../../models/Comment";
import { canSeeBody, type Viewer } from "../policies";

/** A Comment as shared/API.md defines it. */
export interface ApiComment {
  id: string;
  site: string;
  threadKey: string;
  parentId: string | null;
  depth: number;
  status: CommentStatus;
  author: {
    id: string | null;
    name: string;
    avatarUrl: string | null;
    profileUrl: string | null;
    provider: AuthorProvider;
    role: Role;
  };
  html: string;
  body?: string;
  createdAt: string;
  editedAt: string | null;
  score: number;
  myVote: number;
  replyCount: number;
  pinned: boolean;
  replies: ApiComment[];
  moreReplies: number;
  repliesCursor: string | null;
}

export interface PresentContext {
  viewer: Viewer;
  /** The viewer's votes by comment id. */
  myVotes?: Map<string, number>;
}

/**
 * Turns a comment document into API JSON for one viewer. HTTP and socket events both go through
 * here, so a guest's email is never sent and the Markdown body reaches only its author and
 * moderators.
 */
export function presentComment(doc: CommentDoc, ctx: PresentContext): ApiComment {
  const id = doc._id.toHexString();
  const deleted = doc.status === "deleted";
  const out: ApiComment = {
    id,
    site: doc.site,
    threadKey: doc.threadKey,
    parentId: doc.parentId ? doc.parentId.toHexString() : null,
    depth: doc.depth,
    status: doc.status,
    author: deleted
      ? {
          id: null,
          name: "[deleted]",
          avatarUrl: null,
          profileUrl: null,
          provider: doc.author.provider,
          role: "commenter",
        }
      : {
          id: doc.author.user ? doc.author.user.toHexString() : null,
          name: doc.author.name,
          avatarUrl: doc.author.avatarUrl,
          profileUrl: doc.author.profileUrl ?? doc.author.website,
          provider: doc.author.provider,
          role: doc.author.role,
        },
    html: deleted ? "" : doc.html,
    createdAt: doc.createdAt.toISOString(),
    editedAt: doc.editedAt ? doc.editedAt.toISOString() : null,
    score: doc.score,
    myVote: ctx.myVotes?.get(id) ?? 0,
    replyCount: doc.replyCount,
    pinned: doc.pinned,
    replies: [],
    moreReplies: 0,
    repliesCursor: null,
  };
  if (!deleted && canSeeBody(ctx.viewer, doc)) out.body = doc.body;
  return out;
}
