import type { Browser, BrowserContext, FrameLocator, Locator } from "playwright-core";
import { Thread } from "../../models/Thread";
import { moderateComment } from "../../server/services/moderation";
import { useTestDatabase } from "../support/db";
import { makeComment, makeSite, makeUser } from "../support/factories";
import {
  launchChromium,
  newReader,
  openArticle,
  screenshotPath,
  startStack,
  waitForFrameFit,
  type Stack,
} from "./support/stack";

useTestDatabase();
jest.setTimeout(120_000);

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Signs in through the real popup: the service, the fake provider, and the callback page. */
async function signIn(context: BrowserContext, frame: FrameLocator, provider: string) {
  const popup = context.waitForEvent("page");
  await frame.getByRole("button", { name: provider, exact: true }).click();
  await popup;
  await frame.getByText(`You are commenting using your ${provider} account.`).waitFor();
}

async function postComment(frame: FrameLocator, text: string) {
  await frame.getByLabel("Your comment").fill(text);
  await frame.getByRole("button", { name: "Post Comment" }).click();
}

function commentBy(frame: FrameLocator, text: string): Locator {
  return frame
    .locator(".cs-comment")
    .filter({ has: frame.locator(".cs-body", { hasText: text }) })
    .last();
}

describe("the widget on the demo article (another site than the service)", () => {
  it("posts as a guest with email and name, and shows the comment with its count", async () => {
    const context = await newReader(browser);
    const page = await context.newPage();
    const frame = await openArticle(stack, page, "welcome");
    // Wait for the count the join asked for: server/realtime/readers.ts may send two counts for one
    // thread concurrently, and a post racing the join's count could then show undercounted.
    await frame.locator("html[data-readers]").waitFor({ state: "attached" });
    await frame.getByRole("heading", { name: "Leave a Reply" }).waitFor();
    await frame
      .getByText("Please log in using one of these methods to post your comment:")
      .waitFor();
    const providers = await frame.locator(".cs-provider").allTextContents();
    // Each button: the logo's letter, then the provider's name.
    expect(providers).toEqual(["WWordPress.com", "TTwitter", "FFacebook", "DDemo"]);
    await frame.getByLabel("Your comment").fill("Hello from a *guest* <script>alert(1)</script>");
    await frame.getByLabel("Email (required)").fill("gina@example.com");
    await frame.getByLabel("Name (required)").fill("Gina Guest");
    await frame.getByLabel("Website", { exact: true }).fill("https://gina.example");
    await frame.getByRole("button", { name: "Post Comment" }).click();
    const comment = commentBy(frame, "Hello from a");
    await comment.waitFor();
    expect(await comment.locator(".cs-body em").textContent()).toBe("guest");
    expect(await comment.locator(".cs-body script").count()).toBe(0);
    expect(await comment.locator(".cs-author a").getAttribute("href")).toBe("https://gina.example");
    await frame.getByRole("heading", { name: "1 Comment" }).waitFor();

    // The frame grows to its content: the host page scrolls, not the frame.
    await waitForFrameFit(page, stack.service);
    expect(await page.locator("#comments iframe").evaluate((f) => f.clientHeight)).toBeGreaterThan(
      600,
    );
    await context.close();
  });

  it("signs in through the popup, replies three levels deep, edits, logs out and changes account", async () => {
    const context = await newReader(browser);
    const page = await context.newPage();
    const frame = await openArticle(stack, page, "keyset-pagination");

    // Hold the popup's first request so "Connecting to …" can be seen while the popup is open.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const startUrl = (url: URL) => url.pathname === "/auth/wordpress";
    await context.route(startUrl, async (route) => {
      await gate;
      await route.continue();
    });
    const popup = context.waitForEvent("page");
    await frame.getByRole("button", { name: "WordPress.com", exact: true }).click();
    await frame.getByText("Connecting to WordPress.com").waitFor();
    release();
    await popup;
    await frame.getByText("You are commenting using your WordPress.com account.").waitFor();
    const line = await frame.locator(".cs-signed-in").textContent();
    expect(line).toBe("You are commenting using your WordPress.com account. ( Log Out / Change )");
    await context.unroute(startUrl);
    // Signed in, the guest fields are gone.
    expect(await frame.getByLabel("Email (required)").isVisible()).toBe(false);

    await postComment(frame, "Root by Ann");
    await commentBy(frame, "Root by Ann").waitFor();
    let parent = "Root by Ann";
    for (const depth of [1, 2, 3]) {
      const text = `Reply at depth ${depth}`;
      await commentBy(frame, parent).locator(".cs-reply").first().click();
      await frame.getByRole("heading", { name: "Leave a Reply to Ann Author" }).waitFor();
      await postComment(frame, text);
      const reply = frame.locator(`.cs-depth-${depth}`).filter({ hasText: text });
      await reply.waitFor();
      // Nested inside its parent's list of children.
      expect(
        await reply.evaluate(
          (li) => li.parentElement?.closest(".cs-comment")?.querySelector(".cs-body")?.textContent,
        ),
      ).toContain(parent);
      parent = text;
    }
    await frame.getByRole("heading", { name: "4 Comments" }).waitFor();
    // The form went back under the thread after the last reply.
    await frame.getByRole("heading", { name: "Leave a Reply", exact: true }).waitFor();

    // Edit one's own comment within the window.
    const mine = frame.locator(`#${await commentBy(frame, "Reply at depth 3").getAttribute("id")}`);
    await mine.getByRole("button", { name: "Edit" }).click();
    await mine.getByLabel("Edit your comment").fill("Reply at depth 3, **edited**");
    await mine.getByRole("button", { name: "Save" }).click();
    await mine.locator(".cs-body strong", { hasText: "edited" }).waitFor();
    await mine.getByText("(edited)").waitFor();

    // Delete the root: it has replies, so a tombstone stays.
    page.once("dialog", (d) => void d.accept());
    await commentBy(frame, "Root by Ann")
      .locator(".cs-actions")
      .first()
      .getByRole("button", { name: "Delete" })
      .click();
    await frame.getByText("This comment was deleted.").waitFor();
    expect(await frame.locator(".cs-depth-1").count()).toBe(1);

    // Log Out: the sign-in choices come back.
    await frame.getByRole("button", { name: "Log Out" }).click();
    await frame
      .getByText("Please log in using one of these methods to post your comment:")
      .waitFor();
    await frame.getByLabel("Email (required)").waitFor();

    // Sign in again, then Change to Twitter.
    await signIn(context, frame, "WordPress.com");
    await frame.getByRole("button", { name: "Change" }).click();
    await frame
      .getByText("Please log in using one of these methods to post your comment:")
      .waitFor();
    await signIn(context, frame, "Twitter");
    expect(await frame.locator(".cs-signed-in").textContent()).toBe(
      "You are commenting using your Twitter account. ( Log Out / Change )",
    );
    await postComment(frame, "Now as Bob");
    const bob = commentBy(frame, "Now as Bob");
    await bob.locator(".cs-author", { hasText: "Bob Birdwatcher" }).waitFor();

    // After a reload the reader is still signed in where the frame may keep storage; where the
    // browser blocks a third party's storage the token lived in memory and a new sign-in is asked.
    const storage = await frame.locator("html").getAttribute("data-storage");
    expect(["local", "memory"]).toContain(storage);
    await page.reload();
    const again = page.frameLocator('#comments iframe[title="Comments"]');
    await again.locator("html[data-ready=true]").waitFor();
    await again
      .getByText(
        storage === "local"
          ? "You are commenting using your Twitter account."
          : "Please log in using one of these methods to post your comment:",
      )
      .waitFor();
    await context.close();
  });

  it("offers only the site's providers, and no guest fields where guests are not allowed", async () => {
    await makeSite({
      slug: "members",
      origins: [],
      settings: { providers: ["facebook"], allowGuests: false },
    });
    const context = await newReader(browser);
    const page = await context.newPage();
    await page.goto(`${stack.service}/widget?site=members&key=members-only`);
    await page.locator("html[data-ready=true]").waitFor();
    expect(await page.locator(".cs-provider").allTextContents()).toEqual(["FFacebook"]);
    expect(await page.getByLabel("Email (required)").isVisible()).toBe(false);
    expect(await page.getByLabel("Your comment").isDisabled()).toBe(true);
    const popup = context.waitForEvent("page");
    await page.getByRole("button", { name: "Facebook" }).click();
    await popup;
    await page.getByText("You are commenting using your Facebook account.").waitFor();
    await page.getByLabel("Your comment").fill("Members only");
    await page.getByRole("button", { name: "Post Comment" }).click();
    await page.locator(".cs-comment .cs-author", { hasText: "Fay Facebook" }).waitFor();
    await context.close();
  });

  it("leaves the reply form where the reader moved it while their post was still answering", async () => {
    const context = await newReader(browser);
    const page = await context.newPage();
    const frame = await openArticle(stack, page, "welcome");
    await frame.locator("html[data-live=connected]").waitFor();
    await frame.getByLabel("Email (required)").fill("rae@example.com");
    await frame.getByLabel("Name (required)").fill("Rae Racer");

    // Hold the POST's answer until the live event has shown the comment, as a slow link would.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const posting = (url: URL) => url.pathname.endsWith("/threads/welcome/comments");
    await context.route(posting, async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      const response = await route.fetch();
      await gate;
      await route.fulfill({ response });
    });
    await postComment(frame, "Answered late");
    const comment = commentBy(frame, "Answered late");
    await comment.waitFor();
    await comment.locator(".cs-reply").click();
    await frame.getByRole("heading", { name: "Leave a Reply to Rae Racer" }).waitFor();
    await frame.getByLabel("Your comment").fill("Typed before the answer");
    release();
    await frame.getByText("Your comment was posted.").waitFor();
    expect(await frame.locator("#reply-title").textContent()).toBe("Leave a Reply to Rae Racer");
    expect(await frame.getByLabel("Your comment").inputValue()).toBe("Typed before the answer");
    await context.unroute(posting);
    await frame.getByRole("button", { name: "Post Comment" }).click();
    await frame.locator(".cs-depth-1", { hasText: "Typed before the answer" }).waitFor();
    await context.close();
  });

  it("keeps the token in the frame's localStorage when embedded first-party", async () => {
    const context = await newReader(browser);
    const page = await context.newPage();
    await page.goto(`${stack.service}/?post=welcome`);
    const frame = page.frameLocator('#comments iframe[title="Comments"]');
    await frame.locator("html[data-ready=true][data-storage=local]").waitFor();
    await signIn(context, frame, "WordPress.com");
    await page.reload();
    await page
      .frameLocator('#comments iframe[title="Comments"]')
      .getByText("You are commenting using your WordPress.com account.")
      .waitFor();
    await context.close();
  });

  it("shows a comment from another reader live, with a notice when it lands above the view", async () => {
    const reader = await newReader(browser, { height: 700 });
    const writer = await newReader(browser);
    const readerPage = await reader.newPage();
    const writerPage = await writer.newPage();
    const readerFrame = await openArticle(stack, readerPage, "moderation-queue");
    const writerFrame = await openArticle(stack, writerPage, "moderation-queue");

    // A guest starts the thread; the reader sees it without reloading.
    await writerFrame.getByLabel("Email (required)").fill("w@example.com");
    await writerFrame.getByLabel("Name (required)").fill("Walt Writer");
    await postComment(writerFrame, "First, live");
    await commentBy(readerFrame, "First, live").waitFor();
    await readerFrame.getByRole("heading", { name: "1 Comment" }).waitFor();
    for (const n of [2, 3, 4, 5]) {
      await postComment(writerFrame, `Filler ${n}`);
      await commentBy(readerFrame, `Filler ${n}`).waitFor();
    }

    // The reader scrolls to the reply box; a reply to the first comment lands above the view.
    await readerPage.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await commentBy(writerFrame, "First, live").locator(".cs-reply").click();
    await postComment(writerFrame, "A reply far up the page");
    await commentBy(readerFrame, "A reply far up the page").waitFor();
    const notice = readerFrame.getByRole("button", { name: "↑ 1 new comment" });
    await notice.waitFor();
    expect(await readerFrame.locator("[aria-live=polite][role=log]").textContent()).toBe(
      "New comment from Walt Writer.",
    );
    await readerFrame.getByRole("heading", { name: "6 Comments" }).waitFor();
    await notice.click();
    await notice.waitFor({ state: "hidden" });
    await reader.close();
    await writer.close();
  });

  it("catches up after a reconnect with the events it missed", async () => {
    const reader = await newReader(browser);
    const page = await reader.newPage();
    const frame = await openArticle(stack, page, "welcome");
    const before = await frame.locator(".cs-comment").count();
    await frame.locator("html[data-live=connected]").waitFor();
    // Cut the reader off (offline, and the server drops the connection), post meanwhile, then
    // come back: only the join's `since` can bring back what was missed, as nothing reloads.
    await reader.setOffline(true);
    for (const socket of stack.realtime.io.of("/").sockets.values()) socket.conn.close();
    await frame.locator("html[data-live=disconnected]").waitFor();
    const res = await fetch(`${stack.service}/api/v1/sites/demo/threads/welcome/comments`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        body: "Posted while you were away",
        guest: { name: "Ola", email: "o@example.com" },
      }),
    });
    expect(res.status).toBe(201);
    await page.waitForTimeout(1500); // reconnection attempts fail while offline
    expect(await frame.getByText("Posted while you were away").count()).toBe(0);
    await reader.setOffline(false);
    // Reconnection backs off while offline (up to 5 s a try, more on a loaded machine).
    await commentBy(frame, "Posted while you were away").waitFor({ timeout: 60_000 });
    expect(await frame.locator(".cs-comment").count()).toBe(before + 1);
    await reader.close();
  });
});

describe("looks", () => {
  const shots: [string, { width: number; height: number; colorScheme: "light" | "dark" }][] = [
    ["widget-desktop-light.png", { width: 1100, height: 900, colorScheme: "light" }],
    ["widget-desktop-dark.png", { width: 1100, height: 900, colorScheme: "dark" }],
    ["widget-phone-light.png", { width: 360, height: 740, colorScheme: "light" }],
    ["widget-phone-dark.png", { width: 360, height: 740, colorScheme: "dark" }],
  ];
  it.each(shots)(
    "renders %s in its colour scheme without sideways scrolling",
    async (name, opts) => {
      const context = await newReader(browser, opts);
      const page = await context.newPage();
      const frame = await openArticle(stack, page, "keyset-pagination");
      await frame.locator(".cs-comment").first().waitFor();
      const widget = page.frames().find((f) => f.url().startsWith(`${stack.service}/widget`))!;
      const overflow = await widget.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      // Every field has a label a screen reader announces.
      const unlabelled = await widget.evaluate(() =>
        Array.from(document.querySelectorAll("input, textarea, select"))
          .filter(
            (e) => (e as HTMLInputElement).labels?.length === 0 && !e.hasAttribute("aria-label"),
          )
          .map((e) => e.outerHTML),
      );
      expect(unlabelled).toEqual([]);
      // The scheme follows prefers-color-scheme; the text colour is the widget's own, the
      // background the one the demo page sets through --comments-background on the container.
      const text = await widget.evaluate(() => getComputedStyle(document.body).color);
      expect(text).toBe(opts.colorScheme === "dark" ? "rgb(232, 232, 232)" : "rgb(30, 30, 30)");
      await widget.waitForFunction(
        (bg) => getComputedStyle(document.body).backgroundColor === bg,
        opts.colorScheme === "dark" ? "rgb(18, 18, 18)" : "rgb(255, 255, 255)",
      );
      // A cross-site frame is painted only where it is on screen: make the window as tall as the page.
      await waitForFrameFit(page, stack.service);
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      await page.setViewportSize({ width: opts.width, height });
      await waitForFrameFit(page, stack.service);
      await page.locator("#comments").screenshot({ path: screenshotPath(name) });
      await context.close();
    },
  );
});

describe("a session ended elsewhere", () => {
  it("signs the widget out at once when the token is revoked", async () => {
    const { token } = await makeUser({ name: "Lou Logout" });
    const context = await newReader(browser);
    const page = await context.newPage();
    await page.goto(`${stack.service}/widget?site=demo&key=logout`);
    await page.evaluate((t) => localStorage.setItem("comments:token", t), token);
    await page.reload();
    await page.locator("html[data-ready=true][data-live=connected]").waitFor();
    await page.getByText("You are commenting using your WordPress.com account.").waitFor();
    // Logging out in another tab or app revokes the token; the server drops its sockets.
    const res = await fetch(`${stack.service}/auth/logout`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(204);
    await page
      .getByText("Please log in using one of these methods to post your comment:")
      .waitFor();
    await page.locator("html[data-live=connected]").waitFor();
    expect(await page.evaluate(() => localStorage.getItem("comments:token"))).toBeNull();
    await context.close();
  });
});

describe("a closed thread", () => {
  it("shows its comments without the reply form or Reply links", async () => {
    await makeComment("demo", "closed-thread", { body: "Said before closing" });
    await Thread.updateOne({ site: "demo", key: "closed-thread" }, { $set: { open: false } });
    const context = await newReader(browser);
    const page = await context.newPage();
    await page.goto(`${stack.service}/widget?site=demo&key=closed-thread`);
    await page.locator("html[data-ready=true]").waitFor();
    await page.locator(".cs-body", { hasText: "Said before closing" }).waitFor();
    await page.getByRole("heading", { name: "Comments are closed." }).waitFor();
    expect(await page.locator(".cs-reply").count()).toBe(0);
    expect(await page.getByLabel("Your comment").isVisible()).toBe(false);
    await context.close();
  });
});

describe("keyboard", () => {
  it("reaches sorting, voting, replying, sign-in and posting with Tab alone", async () => {
    const context = await newReader(browser);
    const page = await context.newPage();
    await makeComment("demo", "keyboard", { guest: { name: "Kim Keys", email: "k@example.com" } });
    await page.goto(`${stack.service}/widget?site=demo&key=keyboard`);
    await page.locator("html[data-ready=true]").waitFor();
    const reached = new Set<string>();
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press("Tab");
      reached.add(
        await page.evaluate(() => {
          const e = document.activeElement as HTMLElement | null;
          return e?.getAttribute("aria-label") || e?.id || e?.textContent?.trim() || "";
        }),
      );
    }
    expect([...reached]).toEqual(
      expect.arrayContaining([
        "cs-sort",
        "Vote up",
        "Reply to Kim Keys",
        "WWordPress.com",
        "cs-body",
        "cs-email",
        "Post Comment",
      ]),
    );
    await context.close();
  });
});

describe("a long thread", () => {
  it("pins first, loads more roots and replies, sorts, and votes and reports", async () => {
    const key = "long-thread";
    const author = await makeUser({ name: "Rita Replier" });
    const admin = await makeUser({ name: "Ada Admin", roles: [{ site: "demo", role: "admin" }] });
    const roots = [];
    for (let i = 1; i <= 23; i++) roots.push(await makeComment("demo", key, { body: `Root ${i}` }));
    // 52 replies under the first root: the list shows 50 and offers the rest.
    let parentId = roots[0]!._id.toHexString();
    for (let i = 1; i <= 52; i++) {
      const reply = await makeComment("demo", key, {
        body: `Reply ${i}`,
        parentId,
        viewer: author.viewer,
      });
      if (i === 1) parentId = reply._id.toHexString();
    }
    await moderateComment(
      stack.events,
      admin.viewer,
      roots[22]!._id.toHexString(),
      "pin",
      undefined,
    );

    const context = await newReader(browser);
    const page = await context.newPage();
    // The widget page on its own, as a reader would open it from a link.
    await page.goto(`${stack.service}/widget?site=demo&key=${key}`);
    await page.locator("html[data-ready=true]").waitFor();
    const rootBodies = () =>
      page.locator(".cs-list > .cs-comment > article .cs-body").allTextContents();

    // Pinned first, then the oldest 19; 20 roots a page.
    let shown = await rootBodies();
    expect(shown).toHaveLength(20);
    expect(shown[0]).toBe("Root 23");
    expect(shown[1]).toBe("Root 1");
    await page.locator(".cs-list > .cs-pinned .cs-badge", { hasText: "Pinned" }).waitFor();
    await page.getByRole("button", { name: "Load more comments" }).click();
    await page.locator(".cs-body", { hasText: "Root 22" }).waitFor();
    shown = await rootBodies();
    expect(shown).toHaveLength(23);
    await page.getByRole("button", { name: "Load more comments" }).waitFor({ state: "hidden" });

    await page.getByRole("button", { name: "Load 2 more replies" }).click();
    await page.locator(".cs-body", { hasText: "Reply 52" }).waitFor();
    expect(await page.locator(".cs-depth-2").count()).toBe(51);

    await page.getByLabel("Sort by").selectOption("newest");
    await page.waitForFunction(
      () =>
        document.querySelectorAll(".cs-list > .cs-comment > article .cs-body")[1]?.textContent ===
        "Root 22",
    );
    expect((await rootBodies())[0]).toBe("Root 23");

    // Votes and reports need a sign-in; a signed-in reader's vote counts once and shows pressed.
    const reader = await makeUser({ name: "Vera Voter" });
    await page.evaluate((token) => localStorage.setItem("comments:token", token), reader.token);
    await page.reload();
    await page.getByText("You are commenting using your WordPress.com account.").waitFor();
    const root = page
      .locator(".cs-list > .cs-comment")
      .filter({ has: page.locator(":scope > article .cs-body", { hasText: /^Root 2$/ }) });
    const up = root.locator(":scope > article").getByRole("button", { name: "Vote up" });
    await up.click();
    await root.locator(":scope > article .cs-score", { hasText: "1" }).waitFor();
    expect(await up.getAttribute("aria-pressed")).toBe("true");
    await root.locator(":scope > article").getByRole("button", { name: "Report" }).click();
    await root.getByLabel("Why report this comment?").selectOption("off_topic");
    await root.getByRole("button", { name: "Send report" }).click();
    await root.getByText("Thank you: a moderator will look at it.").waitFor();
    await context.close();
  });
});
