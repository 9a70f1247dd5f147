import { ApiError, query } from "../shared/api";
import { el, setSanitizedHtml, timeElement } from "../shared/dom";
import type { ApiComment } from "../shared/types";
import { isModerator, type WidgetContext } from "./context";

interface Node {
  comment: ApiComment;
  li: HTMLLIElement;
  article: HTMLElement;
  /** Where the reply form goes when the reader replies to this comment. */
  replySlot: HTMLElement;
  children: HTMLOListElement;
}

export type SortOrder = "oldest" | "newest" | "top";

export interface CommentListHooks {
  /** Moves the reply form under a comment. */
  reply(comment: ApiComment, slot: HTMLElement): void;
  /** Asks the reader to sign in first (votes, flags). */
  needSignIn(message: string): void;
  /** A comment was shown that the reader has not seen: for the "new comments" notice. */
  arrived(node: HTMLElement, comment: ApiComment): void;
}

const FLAG_REASONS: [string, string][] = [
  ["spam", "Spam"],
  ["abuse", "Abusive or harmful"],
  ["off_topic", "Off topic"],
  ["other", "Something else"],
];

/** The thread's comments as nested lists, kept in step with the API and live events. */
export class CommentList {
  readonly root = el("ol", { className: "cs-list" });
  private readonly nodes = new Map<string, Node>();
  sort: SortOrder = "oldest";

  constructor(
    private readonly ctx: WidgetContext,
    private readonly hooks: CommentListHooks,
  ) {}

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  clear(): void {
    this.nodes.clear();
    this.root.replaceChildren();
  }

  /** Adds a page of roots (with their nested replies) at the end. */
  appendRoots(comments: ApiComment[]): void {
    for (const c of comments) this.root.append(this.build(c).li);
  }

  /** Shows a comment that is new to this page: a post, a live event, or a catch-up. */
  insert(comment: ApiComment, fresh: boolean): HTMLElement | null {
    const existing = this.nodes.get(comment.id);
    if (existing) {
      this.update(comment, fresh);
      return existing.li;
    }
    const parent = comment.parentId ? this.nodes.get(comment.parentId) : undefined;
    if (comment.parentId && !parent) return null; // Its branch is not loaded here yet.
    const node = this.build(comment);
    if (parent) {
      parent.children.append(node.li);
    } else if (this.sort === "newest") {
      const firstUnpinned = Array.from(this.root.children).find(
        (li) => !li.classList.contains("cs-pinned"),
      );
      this.root.insertBefore(node.li, firstUnpinned ?? null);
    } else {
      this.root.append(node.li);
    }
    if (fresh) {
      node.li.classList.add("cs-new");
      this.hooks.arrived(node.li, comment);
    }
    return node.li;
  }

  /** Re-renders a comment in place; shows it if it just became visible (approved). */
  update(comment: ApiComment, live = false): void {
    const node = this.nodes.get(comment.id);
    if (!node) {
      if (this.visibleToMe(comment)) this.insert(comment, true);
      return;
    }
    if (!this.visibleToMe(comment)) {
      this.remove(comment.id, node.children.childElementCount > 0);
      return;
    }
    const prev = node.comment;
    // Live events are presented for every reader alike: keep what was this reader's own (their
    // vote, and the Markdown source of their comment while its text is unchanged).
    node.comment = {
      ...comment,
      replies: [],
      myVote: live ? prev.myVote : comment.myVote,
      body: comment.body ?? (comment.html === prev.html ? prev.body : undefined),
    };
    const article = this.renderArticle(node.comment);
    node.article.replaceWith(article);
    node.article = article;
    node.li.classList.toggle("cs-pinned", comment.pinned && comment.depth === 0);
  }

  /** Removes a comment, or leaves a tombstone where it has replies. */
  remove(id: string, tombstone: boolean): void {
    const node = this.nodes.get(id);
    if (!node) return;
    if (tombstone || node.children.childElementCount > 0) {
      this.update({
        ...node.comment,
        status: "deleted",
        html: "",
        author: { ...node.comment.author, id: null, name: "[deleted]", avatarUrl: null },
      });
    } else {
      node.li.remove();
      this.nodes.delete(id);
    }
  }

  setScore(id: string, score: number, myVote?: number): void {
    const node = this.nodes.get(id);
    if (!node) return;
    node.comment.score = score;
    if (myVote !== undefined) node.comment.myVote = myVote;
    this.update(node.comment);
  }

  /** Inserts a page from GET /comments/:id/replies: tops attach to their loaded parents. */
  private attachReplies(comments: ApiComment[]): void {
    for (const c of comments) {
      this.insert({ ...c, replies: [] }, false);
      this.attachReplies(c.replies);
    }
  }

  private visibleToMe(c: ApiComment): boolean {
    if (c.status === "approved" || c.status === "deleted") return true;
    if (isModerator(this.ctx)) return true;
    return c.status === "pending" && !!this.ctx.me && c.author.id === this.ctx.me.id;
  }

  private build(comment: ApiComment): Node {
    const article = this.renderArticle(comment);
    const children = el("ol", { className: "cs-children" });
    const replySlot = el("div", { className: "cs-reply-slot" });
    const li = el(
      "li",
      {
        className: `cs-comment cs-depth-${Math.min(comment.depth, 10)}${
          comment.pinned && comment.depth === 0 ? " cs-pinned" : ""
        }`,
        id: `comment-${comment.id}`,
      },
      article,
      replySlot,
      children,
    );
    const node: Node = { comment: { ...comment, replies: [] }, li, article, replySlot, children };
    this.nodes.set(comment.id, node);
    for (const r of comment.replies) children.append(this.build(r).li);
    if (comment.moreReplies > 0 && comment.repliesCursor) {
      li.append(this.moreRepliesButton(comment.id, comment.moreReplies, comment.repliesCursor));
    }
    return node;
  }

  private moreRepliesButton(rootId: string, count: number, cursor: string): HTMLElement {
    const button = el(
      "button",
      { type: "button", className: "cs-more cs-link" },
      `Load ${count} more ${count === 1 ? "reply" : "replies"}`,
    );
    let next: string | null = cursor;
    button.addEventListener("click", async () => {
      if (!next) return;
      button.disabled = true;
      try {
        const page = await this.ctx.api.get<{ comments: ApiComment[]; nextCursor: string | null }>(
          `/api/v1/comments/${rootId}/replies${query({ cursor: next, limit: 50 })}`,
        );
        this.attachReplies(page.comments);
        next = page.nextCursor;
        if (next) button.textContent = "Load more replies";
        else button.remove();
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  private renderArticle(c: ApiComment): HTMLElement {
    if (c.status === "deleted") {
      return el(
        "article",
        { className: "cs-item cs-tombstone" },
        el("p", {}, "This comment was deleted."),
      );
    }
    const me = this.ctx.me;
    const mine = !!me && c.author.id === me.id;
    const author = c.author.profileUrl
      ? el(
          "a",
          { href: c.author.profileUrl, rel: "nofollow ugc noopener", target: "_blank" },
          c.author.name,
        )
      : el("span", {}, c.author.name);
    const avatar = c.author.avatarUrl
      ? el("img", {
          className: "cs-avatar",
          src: c.author.avatarUrl,
          alt: "",
          width: 40,
          height: 40,
          loading: "lazy",
          referrerpolicy: "no-referrer",
          // An avatar host that does not answer leaves the initial, not a broken image.
          onerror: (e: Event) =>
            (e.target as HTMLElement).replaceWith(initialAvatar(c.author.name)),
        })
      : initialAvatar(c.author.name);
    const headingId = `by-${c.id}`;
    const header = el(
      "header",
      { className: "cs-meta" },
      avatar,
      el(
        "div",
        {},
        el("strong", { className: "cs-author", id: headingId }, author),
        c.author.role !== "commenter"
          ? el("span", { className: "cs-badge" }, c.author.role === "admin" ? "Admin" : "Moderator")
          : null,
        c.pinned ? el("span", { className: "cs-badge cs-badge-pin" }, "Pinned") : null,
        el(
          "div",
          { className: "cs-when" },
          el("a", { href: `#comment-${c.id}` }, timeElement(c.createdAt)),
          c.editedAt ? " (edited)" : null,
        ),
      ),
    );
    const body = el("div", { className: "cs-body" });
    setSanitizedHtml(body, c.html);
    const article = el(
      "article",
      { className: "cs-item", "aria-labelledby": headingId },
      header,
      body,
      c.status === "pending"
        ? el("p", { className: "cs-pending" }, "Your comment is awaiting moderation.")
        : null,
    );
    if (c.status !== "approved" && c.status !== "pending") return article;

    const actions = el("div", { className: "cs-actions" });
    if (c.status === "approved") actions.append(this.voteButtons(c));
    const slot = el("div", { className: "cs-slot" });
    const maxDepth = this.ctx.thread?.settings.maxDepth ?? 5;
    if (c.status === "approved" && this.ctx.thread?.open !== false && c.depth < maxDepth - 1) {
      actions.append(
        el(
          "button",
          {
            type: "button",
            className: "cs-link cs-reply",
            "aria-label": `Reply to ${c.author.name}`,
            onclick: () => {
              const node = this.nodes.get(c.id);
              if (node) this.hooks.reply(c, node.replySlot);
            },
          },
          "Reply",
        ),
      );
    }
    const windowMs = (this.ctx.thread?.settings.editWindowSeconds ?? 0) * 1000;
    const canEdit =
      isModerator(this.ctx) || (mine && Date.now() - Date.parse(c.createdAt) <= windowMs);
    if (canEdit && c.body !== undefined) {
      actions.append(
        el(
          "button",
          { type: "button", className: "cs-link", onclick: () => this.edit(c, body, actions) },
          "Edit",
        ),
      );
    }
    if (mine || isModerator(this.ctx)) {
      actions.append(
        el(
          "button",
          { type: "button", className: "cs-link", onclick: () => void this.delete(c) },
          "Delete",
        ),
      );
    }
    if (!mine && c.status === "approved") {
      actions.append(
        el(
          "button",
          { type: "button", className: "cs-link", onclick: () => this.flag(c, slot) },
          "Report",
        ),
      );
    }
    article.append(actions, slot);
    return article;
  }

  private voteButtons(c: ApiComment): HTMLElement {
    const vote = async (value: number) => {
      if (!this.ctx.me) {
        this.hooks.needSignIn("Log in to vote.");
        return;
      }
      const next = c.myVote === value ? 0 : value;
      try {
        const res = await this.ctx.api.request<{ score: number; myVote: number }>(
          "PUT",
          `/api/v1/comments/${c.id}/vote`,
          { value: next },
        );
        this.setScore(c.id, res.score, res.myVote);
      } catch (err) {
        this.hooks.needSignIn(err instanceof Error ? err.message : "Voting failed.");
      }
    };
    return el(
      "span",
      { className: "cs-votes" },
      el(
        "button",
        {
          type: "button",
          className: "cs-vote",
          "aria-label": "Vote up",
          "aria-pressed": String(c.myVote === 1),
          onclick: () => void vote(1),
        },
        "▲",
      ),
      el("span", { className: "cs-score", "aria-label": `Score ${c.score}` }, String(c.score)),
      el(
        "button",
        {
          type: "button",
          className: "cs-vote",
          "aria-label": "Vote down",
          "aria-pressed": String(c.myVote === -1),
          onclick: () => void vote(-1),
        },
        "▼",
      ),
    );
  }

  private edit(c: ApiComment, body: HTMLElement, actions: HTMLElement): void {
    const id = `edit-${c.id}`;
    const textarea = el("textarea", { id, rows: 4, maxlength: 10000, required: true });
    textarea.value = c.body ?? "";
    const status = el("p", { className: "cs-status", role: "status" });
    const form = el(
      "form",
      { className: "cs-edit" },
      el("label", { for: id, className: "cs-sr" }, "Edit your comment"),
      textarea,
      el(
        "div",
        { className: "cs-row" },
        el("button", { type: "submit", className: "cs-button" }, "Save"),
        el(
          "button",
          {
            type: "button",
            className: "cs-link",
            onclick: () => {
              form.replaceWith(body);
              actions.hidden = false;
            },
          },
          "Cancel",
        ),
      ),
      status,
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const updated = await this.ctx.api.request<ApiComment>(
          "PATCH",
          `/api/v1/comments/${c.id}`,
          {
            body: textarea.value,
          },
        );
        this.update(updated);
      } catch (err) {
        status.textContent = err instanceof Error ? err.message : "Saving failed.";
      }
    });
    actions.hidden = true;
    body.replaceWith(form);
    textarea.focus();
  }

  private async delete(c: ApiComment): Promise<void> {
    if (!window.confirm("Delete this comment?")) return;
    try {
      await this.ctx.api.request("DELETE", `/api/v1/comments/${c.id}`);
      this.remove(c.id, c.replyCount > 0);
    } catch (err) {
      this.hooks.needSignIn(err instanceof Error ? err.message : "Deleting failed.");
    }
  }

  private flag(c: ApiComment, slot: HTMLElement): void {
    if (!this.ctx.me) {
      this.hooks.needSignIn("Log in to report a comment.");
      return;
    }
    const id = `flag-${c.id}`;
    const select = el(
      "select",
      { id },
      ...FLAG_REASONS.map(([v, label]) => el("option", { value: v }, label)),
    );
    const status = el("span", { className: "cs-status", role: "status" });
    const form = el(
      "form",
      { className: "cs-flag" },
      el("label", { for: id }, "Why report this comment? "),
      select,
      " ",
      el("button", { type: "submit", className: "cs-button" }, "Send report"),
      " ",
      status,
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await this.ctx.api.request("POST", `/api/v1/comments/${c.id}/flags`, {
          reason: select.value,
        });
        status.textContent = "Thank you: a moderator will look at it.";
      } catch (err) {
        status.textContent =
          err instanceof ApiError && err.code === "conflict"
            ? "You have already reported this comment."
            : err instanceof Error
              ? err.message
              : "Reporting failed.";
      }
    });
    slot.replaceChildren(form);
    select.focus();
  }
}

function initial(name: string): string {
  return (name.trim()[0] ?? "?").toUpperCase();
}

function initialAvatar(name: string): HTMLElement {
  return el("span", { className: "cs-avatar cs-initial", "aria-hidden": "true" }, initial(name));
}
