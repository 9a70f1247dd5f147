import { ApiError } from "../shared/api";
import { el } from "../shared/dom";
import { endSession, GuestStore, signInWithPopup } from "../shared/session";
import { PROVIDER_NAMES, type ApiComment, type SignInProvider } from "../shared/types";
import type { WidgetContext } from "./context";

export interface ReplyFormHooks {
  /** A comment was accepted (201 approved or 202 held). */
  posted(comment: ApiComment): void;
}

/**
 * "Leave a Reply", as on a WordPress.com blog: the sign-in choices or the account in use, the
 * guest fields where the site allows guests, and the comment box. The same form moves under a
 * comment to reply to it.
 */
export class ReplyForm {
  readonly section = el("section", {
    className: "cs-respond",
    id: "respond",
    "aria-labelledby": "reply-title",
  });
  private readonly title = el("h3", { id: "reply-title" }, "Leave a Reply");
  private readonly cancel = el(
    "button",
    { type: "button", className: "cs-link cs-cancel", hidden: true },
    "Cancel reply",
  );
  private readonly identity = el("div", { className: "cs-identity" });
  private readonly textarea = el("textarea", {
    id: "cs-body",
    name: "body",
    rows: 5,
    maxlength: 10000,
    required: true,
  });
  private readonly guestFields = el("div", { className: "cs-guest" });
  private readonly email = el("input", {
    id: "cs-email",
    name: "email",
    type: "email",
    required: true,
    maxlength: 254,
    autocomplete: "email",
  });
  private readonly name = el("input", {
    id: "cs-name",
    name: "name",
    required: true,
    maxlength: 100,
    autocomplete: "name",
  });
  private readonly website = el("input", {
    id: "cs-website",
    name: "website",
    type: "url",
    maxlength: 500,
    autocomplete: "url",
  });
  private readonly remember = el("input", {
    id: "cs-remember",
    name: "remember",
    type: "checkbox",
  });
  private readonly guests = new GuestStore();
  private readonly submit = el(
    "button",
    { type: "submit", className: "cs-button" },
    "Post Comment",
  );
  private readonly status = el("p", {
    className: "cs-status",
    role: "status",
    "aria-live": "polite",
  });
  private readonly form = el("form", { className: "cs-form", novalidate: false });
  private readonly home: HTMLElement;
  private parent: ApiComment | null = null;
  /** Set while the reader picks another account ("Change"). */
  private changing = false;
  private connecting: SignInProvider | null = null;

  constructor(
    private readonly ctx: WidgetContext,
    home: HTMLElement,
    private readonly hooks: ReplyFormHooks,
  ) {
    this.home = home;
    this.cancel.addEventListener("click", () => this.moveHome());
    this.guestFields.append(
      field("cs-email", "Email (required)", this.email, "Never made public."),
      field("cs-name", "Name (required)", this.name),
      field("cs-website", "Website", this.website),
      el(
        "p",
        { className: "cs-field cs-check" },
        this.remember,
        el(
          "label",
          { for: "cs-remember" },
          "Save my name, email, and website in this browser for the next time I comment.",
        ),
      ),
    );
    // WordPress's "remember me": kept in this frame's own storage, and only while ticked.
    const saved = this.guests.get();
    if (saved) {
      this.name.value = saved.name;
      this.email.value = saved.email;
      this.website.value = saved.website;
      this.remember.checked = true;
    }
    this.remember.addEventListener("change", () => {
      if (!this.remember.checked) this.guests.set(null);
    });
    this.form.append(
      el("label", { for: "cs-body", className: "cs-sr" }, "Your comment"),
      this.textarea,
      el(
        "p",
        { className: "cs-help" },
        el(
          "a",
          { href: "https://commonmark.org/help/", target: "_blank", rel: "noopener noreferrer" },
          "Markdown help",
        ),
        ": **bold**, *italic*, [links](https://example.com), > quotes, `code`.",
      ),
      this.guestFields,
      el("p", { className: "cs-row" }, this.submit),
      this.status,
    );
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.post();
    });
    this.section.append(
      el("div", { className: "cs-respond-head" }, this.title, this.cancel),
      this.identity,
      this.form,
    );
    home.append(this.section);
    this.render();
  }

  /** Redraws the sign-in part for the current reader and thread. */
  render(): void {
    const t = this.ctx.thread;
    if (t && !t.open) {
      this.identity.replaceChildren();
      this.form.hidden = true;
      this.title.textContent = "Comments are closed.";
      return;
    }
    this.form.hidden = false;
    this.title.textContent = this.parent
      ? `Leave a Reply to ${this.parent.author.name}`
      : "Leave a Reply";
    const me = this.ctx.me;
    const parts: Node[] = [];
    if (this.connecting) {
      parts.push(
        el(
          "p",
          { className: "cs-connecting", role: "status" },
          `Connecting to ${PROVIDER_NAMES[this.connecting]}`,
        ),
      );
    } else if (me) {
      parts.push(
        el(
          "p",
          { className: "cs-signed-in" },
          me.avatarUrl
            ? el("img", {
                className: "cs-avatar cs-avatar-small",
                src: me.avatarUrl,
                alt: "",
                width: 24,
                height: 24,
                referrerpolicy: "no-referrer",
              })
            : null,
          `You are commenting using your ${accountName(this.ctx, me.provider)} account. ( `,
          el(
            "button",
            { type: "button", className: "cs-link", onclick: () => void this.logOut() },
            "Log Out",
          ),
          " / ",
          el(
            "button",
            {
              type: "button",
              className: "cs-link",
              "aria-expanded": String(this.changing),
              onclick: () => {
                this.changing = !this.changing;
                this.render();
              },
            },
            "Change",
          ),
          " )",
        ),
        el(
          "p",
          { className: "cs-account-data" },
          el(
            "button",
            { type: "button", className: "cs-link", onclick: () => void this.downloadData() },
            "Download my data",
          ),
          " · ",
          el(
            "button",
            { type: "button", className: "cs-link", onclick: () => void this.deleteAccount() },
            "Delete my account",
          ),
        ),
      );
    }
    if (!this.connecting && (!me || this.changing)) parts.push(this.providerChoices());
    this.identity.replaceChildren(...parts);

    const guestsAllowed = !!t && t.settings.allowGuests && !t.settings.requireLogin;
    const showGuest = !me && guestsAllowed;
    this.guestFields.hidden = !showGuest;
    for (const input of [this.email, this.name]) input.required = showGuest;
    const canPost = !!me || guestsAllowed;
    this.textarea.disabled = !canPost;
    this.submit.disabled = !canPost;
  }

  /** Puts the form under a comment, WordPress's "Reply" behaviour. */
  replyTo(comment: ApiComment, slot: HTMLElement): void {
    this.parent = comment;
    this.cancel.hidden = false;
    slot.append(this.section);
    this.render();
    this.textarea.focus();
  }

  moveHome(): void {
    this.parent = null;
    this.cancel.hidden = true;
    this.home.append(this.section);
    this.render();
  }

  /** Points the reader at the sign-in choices with a message. */
  ask(message: string): void {
    this.status.textContent = message;
    this.identity.querySelector<HTMLButtonElement>("button")?.focus();
  }

  private providerChoices(): HTMLElement {
    const providers = this.ctx.thread?.settings.providers ?? [];
    if (providers.length === 0) return el("div");
    return el(
      "div",
      { className: "cs-providers" },
      el("p", {}, "Please log in using one of these methods to post your comment:"),
      el(
        "div",
        { className: "cs-row", role: "group", "aria-label": "Log in with" },
        ...providers.map((p) =>
          el(
            "button",
            {
              type: "button",
              className: `cs-provider cs-provider-${p}`,
              "data-provider": p,
              onclick: () => void this.signIn(p),
            },
            el(
              "span",
              { className: "cs-provider-logo", "aria-hidden": "true" },
              PROVIDER_NAMES[p][0]!,
            ),
            PROVIDER_NAMES[p],
          ),
        ),
      ),
    );
  }

  private async signIn(provider: SignInProvider): Promise<void> {
    const previous = this.ctx.tokens.get();
    this.connecting = provider;
    this.status.textContent = "";
    this.render();
    try {
      const { token, user } = await signInWithPopup(this.ctx.service, provider, this.ctx.site);
      this.ctx.tokens.set(token);
      this.ctx.me = user;
      this.changing = false;
      // Switching accounts ends the previous session rather than leaving it live.
      if (previous && previous !== token) void endSession(this.ctx.service, previous);
      this.ctx.onIdentityChange();
    } catch (err) {
      const message = err instanceof Error ? err.message : "Sign-in failed.";
      this.status.textContent = message === "closed" ? "" : message;
    } finally {
      this.connecting = null;
      this.render();
    }
  }

  /** Everything the service holds about the reader, saved as a JSON file. */
  private async downloadData(): Promise<void> {
    try {
      const data = await this.ctx.api.get<unknown>("/api/v1/me/export");
      const link = el("a", {
        href: URL.createObjectURL(
          new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }),
        ),
        download: "my-comments-data.json",
      });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (err) {
      this.status.textContent = err instanceof Error ? err.message : "The download failed.";
    }
  }

  /** Deletes the reader's account after they confirm; their comments stay, signed "[deleted]". */
  private async deleteAccount(): Promise<void> {
    if (
      !confirm(
        "Delete your account? You will be signed out everywhere. Your comments stay, signed “[deleted]”.",
      )
    )
      return;
    const words = confirm(
      "Also remove the words of your comments? (OK removes them; Cancel keeps them, unsigned.)",
    );
    try {
      await this.ctx.api.request("DELETE", `/api/v1/me?comments=${words ? "delete" : "anonymize"}`);
    } catch (err) {
      this.status.textContent = err instanceof Error ? err.message : "The account was not deleted.";
      return;
    }
    this.signedOutHere();
    this.status.textContent = "Your account is deleted.";
  }

  /** Forgets the reader's session in this frame and shows the signed-out form. */
  private signedOutHere(): void {
    this.ctx.tokens.set(null);
    this.ctx.me = null;
    this.changing = false;
    this.ctx.onIdentityChange();
    this.render();
  }

  private async logOut(): Promise<void> {
    const token = this.ctx.tokens.get();
    this.signedOutHere();
    await endSession(this.ctx.service, token);
  }

  private async post(): Promise<void> {
    const t = this.ctx.thread;
    if (!t) return;
    const body = this.textarea.value.trim();
    if (!body) {
      this.status.textContent = "Please type a comment.";
      this.textarea.focus();
      return;
    }
    if (!this.form.reportValidity()) return;
    this.submit.disabled = true;
    this.status.textContent = "Posting…";
    // The live event can show the comment before this answer comes back, and the reader may
    // already have moved the form to reply to it: leave the form where they put it then.
    const postedTo = this.parent;
    try {
      const comment = await this.ctx.api.request<ApiComment>(
        "POST",
        `/api/v1/sites/${encodeURIComponent(this.ctx.site)}/threads/${encodeURIComponent(this.ctx.key)}/comments`,
        {
          body,
          parentId: this.parent?.id ?? null,
          url: this.ctx.pageUrl,
          title: this.ctx.pageTitle,
          guest: this.ctx.me
            ? undefined
            : {
                name: this.name.value.trim(),
                email: this.email.value.trim(),
                website: this.website.value.trim(),
              },
        },
      );
      if (this.textarea.value.trim() === body) this.textarea.value = "";
      if (!this.ctx.me) {
        this.guests.set(
          this.remember.checked
            ? {
                name: this.name.value.trim(),
                email: this.email.value.trim(),
                website: this.website.value.trim(),
              }
            : null,
        );
      }
      this.status.textContent =
        comment.status === "pending"
          ? "Your comment is awaiting moderation."
          : "Your comment was posted.";
      if (this.parent === postedTo) this.moveHome();
      this.hooks.posted(comment);
    } catch (err) {
      this.status.textContent =
        err instanceof ApiError && err.status === 401
          ? "Your session ended: please log in again."
          : err instanceof Error
            ? err.message
            : "Posting failed.";
    } finally {
      this.submit.disabled = false;
    }
  }
}

/** The account in use, as the form names it: an SSO reader's is the site's own. */
function accountName(ctx: WidgetContext, provider: SignInProvider): string {
  return provider === "sso" ? (ctx.siteName ?? "site") : (PROVIDER_NAMES[provider] ?? provider);
}

function field(id: string, label: string, input: HTMLInputElement, hint?: string): HTMLElement {
  return el(
    "p",
    { className: "cs-field" },
    el("label", { for: id }, label),
    input,
    hint ? el("small", {}, hint) : null,
  );
}
