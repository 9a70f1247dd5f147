import type { Socket } from "socket.io-client";
import { ApiClient, ApiError, query } from "../shared/api";
import { el, setSanitizedHtml, timeElement } from "../shared/dom";
import { connectLive } from "../shared/live";
import { TokenStore, endSession, signInWithPopup } from "../shared/session";
import {
  PROVIDER_NAMES,
  type ApiUser,
  type LogEntry,
  type SignInProvider,
  type QueueItem,
} from "../shared/types";

type Settings = Record<string, unknown>;

const service = location.origin;
const tokens = new TokenStore();
let me: ApiUser | null = null;
let site: string | null = null;
let socket: Socket | null = null;
let queueStatus = "pending";
const api = new ApiClient(
  service,
  () => tokens.get(),
  () => signOut(),
);

const root = el("main", { className: "ad" });
const account = el("div", { className: "ad-account" });
const siteSelect = el("select", { id: "ad-site" });
const statusSelect = el(
  "select",
  { id: "ad-queue-status" },
  ...["pending", "flagged", "spam", "rejected"].map((s) =>
    el("option", { value: s }, s[0]!.toUpperCase() + s.slice(1)),
  ),
);
const queueList = el("ol", { className: "ad-queue", "aria-live": "polite" });
const queueEmpty = el("p", { className: "ad-empty" }, "Nothing waiting.");
const logList = el("ol", { className: "ad-log" });
const settingsForm = el("form", { className: "ad-settings" });
const importSection = el("div", { className: "ad-import" });
const newSiteSection = el("section", { "aria-labelledby": "ad-new-site-title", hidden: true });
const message = el("p", { className: "ad-message", role: "status" });
const body = el("div", { className: "ad-body", hidden: true });

document.body.append(root);
root.append(
  el("header", { className: "ad-header" }, el("h1", {}, "Moderation"), account),
  message,
  body,
);
body.append(
  el("p", {}, el("label", { for: "ad-site" }, "Site "), siteSelect),
  el(
    "section",
    { "aria-labelledby": "ad-queue-title" },
    el(
      "div",
      { className: "ad-row" },
      el("h2", { id: "ad-queue-title" }, "Queue"),
      el("label", { for: "ad-queue-status" }, "Show "),
      statusSelect,
    ),
    queueEmpty,
    queueList,
  ),
  el(
    "section",
    { "aria-labelledby": "ad-log-title" },
    el("h2", { id: "ad-log-title" }, "Log"),
    logList,
  ),
  el(
    "section",
    { "aria-labelledby": "ad-settings-title" },
    el("h2", { id: "ad-settings-title" }, "Settings"),
    settingsForm,
  ),
  el(
    "section",
    { "aria-labelledby": "ad-import-title" },
    el("h2", { id: "ad-import-title" }, "Import and export"),
    importSection,
  ),
);
root.append(newSiteSection);

function say(text: string) {
  message.textContent = text;
}

function renderAccount() {
  if (me) {
    account.replaceChildren(
      el("span", {}, `Signed in as ${me.name} (${PROVIDER_NAMES[me.provider]}) `),
      el(
        "button",
        { type: "button", className: "cs-link", onclick: () => void logOut() },
        "Log Out",
      ),
    );
    return;
  }
  account.replaceChildren(
    el("span", {}, "Log in: "),
    ...offered.map((p) =>
      el(
        "button",
        {
          type: "button",
          className: `cs-provider cs-provider-${p}`,
          onclick: () => void signIn(p),
        },
        PROVIDER_NAMES[p],
      ),
    ),
  );
}

/** The sign-in buttons: the providers configured here (the demo site offers each of them). */
let offered: SignInProvider[] = ["wordpress", "twitter", "facebook"];
async function loadProviders() {
  try {
    const list = await api.get<{ id: SignInProvider }[]>(
      `/auth/providers${query({ site: "demo" })}`,
    );
    offered = list.map((p) => p.id);
  } catch {
    // Keep the three: a sign-in to an unconfigured one answers with its own error.
  }
}

async function signIn(provider: SignInProvider) {
  say(`Connecting to ${PROVIDER_NAMES[provider]}`);
  try {
    // The admin page is on the service's origin; any site's popup accepts that origin.
    const siteForPopup = site ?? new URLSearchParams(location.search).get("site") ?? "demo";
    const result = await signInWithPopup(service, provider, siteForPopup);
    tokens.set(result.token);
    say("");
    await start();
  } catch (err) {
    say(err instanceof Error && err.message !== "closed" ? err.message : "");
  }
}

function signOut() {
  tokens.set(null);
  me = null;
  socket?.disconnect();
  body.hidden = true;
  renderAccount();
}

async function logOut() {
  const token = tokens.get();
  signOut();
  await endSession(service, token);
}

async function start() {
  if (!tokens.get()) return renderAccount();
  try {
    me = await api.get<ApiUser>("/api/v1/me");
  } catch {
    return signOut();
  }
  renderAccount();
  if (me.adminOfAllSites) renderNewSite();
  const sites = Object.keys(me.roles ?? {});
  if (sites.length === 0) {
    say("This account moderates no site.");
    return;
  }
  siteSelect.replaceChildren(
    ...sites.map((s) => el("option", { value: s }, `${s} (${me!.roles[s]})`)),
  );
  const wanted = new URLSearchParams(location.search).get("site");
  site = wanted && sites.includes(wanted) ? wanted : sites[0]!;
  siteSelect.value = site;
  body.hidden = false;
  await openSite();
}

async function openSite() {
  if (!site) return;
  connect();
  await Promise.all([loadQueue(), loadLog(), loadSettings()]);
  renderImport();
}

function connect() {
  socket?.disconnect();
  socket = connectLive(service, tokens.get());
  socket.on("connect", () => socket?.emit("moderation:join", { site }, () => undefined));
  // A new held comment: reload the page of the queue, which carries what a ban needs.
  socket.on("queue:added", () => void loadQueue());
  socket.on("queue:resolved", (e: { id?: string }) => {
    if (e.id) document.getElementById(`q-${e.id}`)?.remove();
    queueEmpty.hidden = queueList.childElementCount > 0;
    void loadLog();
  });
}

async function loadQueue() {
  const page = await api.get<{ items: QueueItem[] }>(
    `/api/v1/sites/${site}/moderation/queue${query({ status: queueStatus, limit: 50 })}`,
  );
  queueList.replaceChildren(...page.items.map(queueItem));
  queueEmpty.hidden = page.items.length > 0;
}

function queueItem(item: QueueItem): HTMLElement {
  const c = item.comment;
  const text = el("div", { className: "cs-body" });
  setSanitizedHtml(text, c.html);
  const status = el("span", { className: "ad-item-status", role: "status" });
  const act = async (action: string) => {
    try {
      await api.request("POST", `/api/v1/comments/${c.id}/moderation`, { action });
      li.remove();
      queueEmpty.hidden = queueList.childElementCount > 0;
      void loadLog();
    } catch (err) {
      status.textContent = err instanceof Error ? err.message : "Failed.";
    }
  };
  const ban = async () => {
    const reason = window.prompt("Reason for the ban?", "Abusive comments");
    if (!reason) return;
    const who = c.author.id
      ? { userId: c.author.id }
      : item.guestEmail
        ? { email: item.guestEmail }
        : item.ip
          ? { ip: item.ip }
          : null;
    if (!who) return void (status.textContent = "Nothing identifies this author.");
    try {
      await api.request("POST", `/api/v1/sites/${site}/bans`, { ...who, reason });
      status.textContent = "Banned.";
      void loadLog();
    } catch (err) {
      status.textContent = err instanceof Error ? err.message : "Failed.";
    }
  };
  const button = (label: string, action: string) =>
    el(
      "button",
      { type: "button", className: "cs-button", onclick: () => void act(action) },
      label,
    );
  const li = el(
    "li",
    { className: "ad-item", id: `q-${c.id}` },
    el(
      "div",
      { className: "cs-meta" },
      el("strong", {}, c.author.name),
      el(
        "span",
        { className: "cs-when" },
        " on ",
        item.thread.url
          ? el(
              "a",
              { href: item.thread.url, target: "_blank", rel: "noopener" },
              item.thread.title ?? item.thread.key,
            )
          : (item.thread.title ?? item.thread.key),
        " · ",
        timeElement(c.createdAt),
      ),
    ),
    item.guestEmail || item.ip
      ? el("div", { className: "cs-when" }, [item.guestEmail, item.ip].filter(Boolean).join(" · "))
      : null,
    text,
    item.reasons.length || item.flagCount
      ? el(
          "p",
          { className: "cs-when" },
          [...item.reasons, item.flagCount ? `${item.flagCount} flag(s)` : ""]
            .filter(Boolean)
            .join(", "),
        )
      : null,
    el(
      "div",
      { className: "cs-row" },
      button("Approve", "approve"),
      button("Reject", "reject"),
      button("Spam", "spam"),
      button("Delete", "delete"),
      el(
        "button",
        { type: "button", className: "cs-button ad-ban", onclick: () => void ban() },
        "Ban",
      ),
      status,
    ),
  );
  return li;
}

const DONE: Record<string, string> = {
  approve: "approved",
  reject: "rejected",
  spam: "marked as spam",
  delete: "deleted",
  pin: "pinned",
  unpin: "unpinned",
  ban: "banned",
  unban: "lifted a ban on",
  settings: "changed the settings of",
  close_thread: "closed",
  open_thread: "reopened",
};

/** "Mo Moderator approved comment …941c1 (reason)". */
function logLine(e: LogEntry): HTMLElement {
  const what =
    e.target.type === "settings"
      ? `site ${e.target.id}`
      : `${e.target.type} …${e.target.id.slice(-6)}`;
  return el(
    "li",
    {},
    timeElement(e.at),
    ` ${e.by.name} ${DONE[e.action] ?? e.action} ${what}`,
    e.reason ? ` (${e.reason})` : "",
  );
}

async function loadLog() {
  try {
    const page = await api.get<{ entries: LogEntry[] }>(
      `/api/v1/sites/${site}/moderation/log?limit=30`,
    );
    if (page.entries.length === 0) {
      logList.replaceChildren(el("li", {}, "No moderation actions yet."));
      return;
    }
    logList.replaceChildren(...page.entries.map(logLine));
  } catch (err) {
    logList.replaceChildren(
      el("li", {}, err instanceof Error ? err.message : "The log could not be loaded."),
    );
  }
}

const FIELDS: [string, string, "bool" | "number" | "list" | "select"][] = [
  ["requireLogin", "Users must be logged in to comment", "bool"],
  ["allowGuests", "Guests may comment with a name and email", "bool"],
  ["preModeration", "Hold comments for moderation", "select"],
  ["maxLinks", "Hold a comment with this many links (0: off)", "number"],
  ["holdWords", "Words that hold a comment (one a line)", "list"],
  ["bannedWords", "Words that reject a comment (one a line)", "list"],
  ["maxDepth", "Nest replies this many levels deep", "number"],
  ["editWindowSeconds", "Authors may edit for this many seconds", "number"],
  ["closeAfterDays", "Close threads after this many days (0: never)", "number"],
  ["flagThreshold", "Hide a comment for review after this many flags", "number"],
  ["providers", "Sign-in providers (one a line)", "list"],
  ["origins", "Origins allowed to embed (one a line)", "list"],
];

async function loadSettings() {
  let settings: Settings;
  try {
    settings = await api.get<Settings>(`/api/v1/sites/${site}/settings`);
  } catch (err) {
    settingsForm.replaceChildren(
      el(
        "p",
        {},
        err instanceof ApiError && err.status === 403
          ? "Only the site's admins change its settings."
          : "Settings could not be loaded.",
      ),
    );
    return;
  }
  const inputs = new Map<string, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>();
  const rows = FIELDS.map(([name, label, kind]) => {
    const id = `set-${name}`;
    const value = settings[name];
    let input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
    if (kind === "bool") {
      input = el("input", { id, type: "checkbox" });
      input.checked = value === true;
    } else if (kind === "number") {
      input = el("input", { id, type: "number", min: 0 });
      input.value = String(value ?? "");
    } else if (kind === "select") {
      input = el(
        "select",
        { id },
        ...["none", "first_comment", "all"].map((v) =>
          el("option", { value: v }, v.replace("_", " ")),
        ),
      );
      input.value = String(value ?? "first_comment");
    } else {
      input = el("textarea", { id, rows: 3 });
      input.value = Array.isArray(value) ? value.join("\n") : "";
    }
    inputs.set(name, input);
    return el(
      "p",
      { className: kind === "bool" ? "ad-check" : "cs-field" },
      el("label", { for: id }, label),
      input,
    );
  });
  // Single sign-on: the secret is write-only, so the form says whether one is set, never what.
  const ssoOn = (settings.sso as { enabled?: boolean } | undefined)?.enabled === true;
  const ssoSecret = el("input", {
    id: "set-sso-secret",
    type: "password",
    autocomplete: "off",
    minlength: 32,
    maxlength: 512,
  });
  const ssoOff = el("input", { id: "set-sso-off", type: "checkbox" });
  const sso = el(
    "fieldset",
    { className: "ad-sso" },
    el("legend", {}, `Single sign-on for the site's own accounts: ${ssoOn ? "on" : "off"}`),
    el(
      "p",
      { className: "cs-field" },
      el(
        "label",
        { for: "set-sso-secret" },
        ssoOn ? "New secret (replaces the current one)" : "Secret (32 characters or more)",
      ),
      ssoSecret,
    ),
    ssoOn
      ? el(
          "p",
          { className: "ad-check" },
          el("label", { for: "set-sso-off" }, "Turn single sign-on off"),
          ssoOff,
        )
      : null,
  );
  const status = el("span", { role: "status" });
  settingsForm.replaceChildren(
    ...rows,
    sso,
    el(
      "p",
      {},
      el("button", { type: "submit", className: "cs-button" }, "Save settings"),
      " ",
      status,
    ),
  );
  settingsForm.onsubmit = async (e) => {
    e.preventDefault();
    const patch: Settings = {};
    for (const [name, , kind] of FIELDS) {
      const input = inputs.get(name)!;
      if (kind === "bool") patch[name] = (input as HTMLInputElement).checked;
      else if (kind === "number") patch[name] = Number(input.value);
      else if (kind === "select") patch[name] = input.value;
      else
        patch[name] = input.value
          .split("\n")
          .map((s) => s.trim())
          .filter(Boolean);
    }
    if (ssoSecret.value) patch.sso = { secret: ssoSecret.value };
    else if (ssoOff.checked) patch.sso = null;
    try {
      await api.request("PATCH", `/api/v1/sites/${site}/settings`, patch);
      status.textContent = "Saved.";
      if ("sso" in patch) void loadSettings();
    } catch (err) {
      status.textContent = err instanceof Error ? err.message : "Saving failed.";
    }
  };
}

/** The form that creates a site, for admins of every site. */
function renderNewSite() {
  const id = el("input", { id: "ns-id", required: true, pattern: "[a-z0-9][a-z0-9-]{0,62}" });
  const name = el("input", { id: "ns-name", required: true, maxlength: 200 });
  const origins = el("textarea", { id: "ns-origins", rows: 2 });
  const status = el("span", { role: "status" });
  const form = el(
    "form",
    { className: "ad-settings" },
    el("p", { className: "cs-field" }, el("label", { for: "ns-id" }, "Site id (a-z, 0-9, -)"), id),
    el("p", { className: "cs-field" }, el("label", { for: "ns-name" }, "Site name"), name),
    el(
      "p",
      { className: "cs-field" },
      el("label", { for: "ns-origins" }, "Allowed origins, one a line (https://blog.example)"),
      origins,
    ),
    el(
      "p",
      {},
      el("button", { type: "submit", className: "cs-button" }, "Create site"),
      " ",
      status,
    ),
  );
  form.onsubmit = async (e) => {
    e.preventDefault();
    try {
      await api.request("POST", "/api/v1/sites", {
        id: id.value.trim(),
        name: name.value.trim(),
        origins: origins.value
          .split("\n")
          .map((o) => o.trim().replace(/\/$/, ""))
          .filter(Boolean),
      });
      location.search = `?site=${encodeURIComponent(id.value.trim())}`;
    } catch (err) {
      status.textContent = err instanceof Error ? err.message : "The site could not be created.";
    }
  };
  newSiteSection.replaceChildren(el("h2", { id: "ad-new-site-title" }, "New site"), form);
  newSiteSection.hidden = false;
}

interface ImportState {
  id: string;
  status: string;
  threads: number;
  comments: number;
  skipped: number;
  errorCount: number;
  errors: { message: string; line?: number }[];
}

/** Upload of an export file into the site, its progress, and the site's own export. */
function renderImport() {
  if (!site || me?.roles[site] !== "admin") {
    importSection.replaceChildren(el("p", {}, "Only the site's admins import and export."));
    return;
  }
  const file = el("input", { id: "im-file", type: "file" });
  const format = el(
    "select",
    { id: "im-format" },
    el("option", { value: "" }, "tell from the file"),
    ...[
      ["disqus", "Disqus XML"],
      ["wxr", "WordPress (WXR)"],
      ["remark42", "Remark42 backup"],
      ["isso", "Isso comments.db"],
      ["commento", "Commento JSON"],
      ["native", "this service's export"],
    ].map(([v, label]) => el("option", { value: v }, label)),
  );
  const key = el(
    "select",
    { id: "im-key" },
    el("option", { value: "identifier" }, "the page id, else the URL's path"),
    el("option", { value: "url" }, "the whole URL"),
    el("option", { value: "path" }, "the URL's path"),
  );
  const progress = el("p", { className: "ad-import-status", role: "status" });
  const problems = el("ul", { className: "ad-import-errors" });
  const form = el(
    "form",
    { className: "ad-settings" },
    el("p", { className: "cs-field" }, el("label", { for: "im-file" }, "Export file"), file),
    el("p", { className: "cs-field" }, el("label", { for: "im-format" }, "Format"), format),
    el("p", { className: "cs-field" }, el("label", { for: "im-key" }, "Thread keys from"), key),
    el("p", {}, el("button", { type: "submit", className: "cs-button" }, "Import"), " ", progress),
    problems,
  );
  const show = (s: ImportState) => {
    progress.textContent =
      `${s.status === "running" ? "Importing" : s.status === "done" ? "Imported" : "Failed"}: ` +
      `${s.threads} threads, ${s.comments} comments added, ${s.skipped} skipped, ${s.errorCount} errors.`;
    problems.replaceChildren(
      ...s.errors.map((e) => el("li", {}, `${e.line ? `line ${e.line}: ` : ""}${e.message}`)),
    );
  };
  form.onsubmit = async (e) => {
    e.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) {
      progress.textContent = "Choose a file first.";
      return;
    }
    progress.textContent = "Uploading…";
    const params = query({ format: format.value || undefined, key: key.value });
    let started: { id: string };
    try {
      started = await api.request<{ id: string }>(
        "POST",
        `/api/v1/sites/${site}/imports${params}`,
        chosen,
      );
    } catch (err) {
      progress.textContent = err instanceof Error ? err.message : "The upload failed.";
      return;
    }
    for (;;) {
      const s = await api.get<ImportState>(`/api/v1/sites/${site}/imports/${started.id}`);
      show(s);
      if (s.status !== "running") break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const exportButton = el(
    "button",
    { type: "button", className: "cs-button" },
    "Download the export",
  );
  exportButton.onclick = async () => {
    const file = await api.download(`/api/v1/sites/${site}/export`).catch(() => null);
    if (!file) return;
    const link = el("a", {
      href: URL.createObjectURL(file),
      download: `${site}-export.ndjson`,
    });
    link.click();
    URL.revokeObjectURL(link.href);
  };
  importSection.replaceChildren(form, el("p", {}, exportButton));
}

siteSelect.addEventListener("change", () => {
  site = siteSelect.value;
  void openSite();
});
statusSelect.addEventListener("change", () => {
  queueStatus = statusSelect.value;
  void loadQueue();
});

void loadProviders()
  .then(() => {
    renderAccount();
    return start();
  })
  .then(() => (document.documentElement.dataset.ready = "true"));
