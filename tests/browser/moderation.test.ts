import path from "node:path";
import type { Browser, BrowserContext, FrameLocator, Page } from "playwright-core";
import { forgetSite } from "../../server/services/sites";
import { Site } from "../../models/Site";
import { useTestDatabase } from "../support/db";
import {
  launchChromium,
  newReader,
  openArticle,
  screenshotPath,
  startStack,
  type Stack,
} from "./support/stack";

useTestDatabase();
jest.setTimeout(120_000);

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  // "mod" on the fake WordPress.com is made an admin of every site at sign-in.
  stack = await startStack({ ADMIN_IDENTITIES: "wordpress:mod" });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function postAsGuest(frame: FrameLocator, name: string, text: string) {
  await frame.getByLabel("Email (required)").fill(`${name.toLowerCase()}@example.com`);
  await frame.getByLabel("Name (required)").fill(name);
  await frame.getByLabel("Your comment").fill(text);
  await frame.getByRole("button", { name: "Post Comment" }).click();
}

async function signInToAdmin(context: BrowserContext): Promise<Page> {
  Object.assign(stack.wordpress.profile, {
    ID: 7007,
    username: "mod",
    display_name: "Mo Moderator",
  });
  const admin = await context.newPage();
  await admin.goto(`${stack.service}/admin`);
  const popup = context.waitForEvent("page");
  await admin.getByRole("button", { name: "WordPress.com" }).click();
  await popup;
  await admin.getByText("Signed in as Mo Moderator (WordPress.com)").waitFor();
  return admin;
}

describe("/admin and the reader's widget", () => {
  it("holds a comment, shows it in the queue live, and a reader sees it once approved", async () => {
    const adminContext = await newReader(browser);
    const admin = await signInToAdmin(adminContext);
    await admin.locator("#ad-site option[value=demo]").waitFor({ state: "attached" });
    await admin.getByText("Nothing waiting.").waitFor();

    // The admin turns on moderation of every comment through the settings form.
    await admin.getByLabel("Hold comments for moderation").selectOption("all");
    await admin.getByRole("button", { name: "Save settings" }).click();
    await admin.getByText("Saved.").waitFor();

    const authorContext = await newReader(browser);
    const readerContext = await newReader(browser);
    const authorFrame = await openArticle(stack, await authorContext.newPage(), "welcome");
    const readerFrame = await openArticle(stack, await readerContext.newPage(), "welcome");

    await postAsGuest(authorFrame, "Hal", "Please let me through");
    await authorFrame.getByText("Your comment is awaiting moderation.").first().waitFor();
    expect(await authorFrame.locator(".cs-comment .cs-pending").count()).toBe(1);

    // It reaches the queue without a reload, and never the other reader.
    const item = admin.locator(".ad-item", { hasText: "Please let me through" });
    await item.waitFor();
    expect(await item.textContent()).toContain("hal@example.com");
    expect(await readerFrame.getByText("Please let me through").count()).toBe(0);

    await item.getByRole("button", { name: "Approve" }).click();
    await item.waitFor({ state: "detached" });
    await readerFrame.locator(".cs-body", { hasText: "Please let me through" }).waitFor();
    await readerFrame.getByRole("heading", { name: "1 Comment" }).waitFor();
    await admin
      .locator(".ad-log li", { hasText: "Mo Moderator approved comment" })
      .first()
      .waitFor();

    // Ban the author of the next held comment by the email the queue shows moderators.
    await postAsGuest(authorFrame, "Hal", "Again, held");
    const second = admin.locator(".ad-item", { hasText: "Again, held" });
    await second.waitFor();
    await admin.screenshot({ path: screenshotPath("admin-queue.png"), fullPage: true });
    admin.once("dialog", (d) => void d.accept("Testing bans"));
    await second.getByRole("button", { name: "Ban" }).click();
    await second.getByText("Banned.").waitFor();
    await admin.locator(".ad-log li", { hasText: "Mo Moderator banned" }).first().waitFor();
    await adminContext.close();
    await authorContext.close();
    await readerContext.close();
  });

  it("fills every count on a listing page with one request", async () => {
    // Whatever the test before set, publish at once here.
    await Site.updateOne({ _id: "demo" }, { $set: { "settings.preModeration": "none" } });
    // Changed behind the service's back: it would see this within SITE_TTL_MS; at once here.
    forgetSite("demo");
    for (const body of ["One", "Two"]) {
      const res = await fetch(
        `${stack.service}/api/v1/sites/demo/threads/keyset-pagination/comments`,
        {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ body, guest: { name: "Cy", email: "cy@example.com" } }),
        },
      );
      expect(res.status).toBeLessThan(300);
    }
    const context = await newReader(browser);
    const page = await context.newPage();
    const countRequests: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/counts")) countRequests.push(r.url());
    });
    await page.goto(`${stack.demo}/demo/list`);
    const count = (key: string) => page.locator(`[data-comments-count="${key}"]`);
    await count("keyset-pagination").filter({ hasText: "2 Comments" }).waitFor();
    // Approved comments only: the held and rejected ones of other tests never count.
    await count("moderation-queue").filter({ hasText: "No comments yet" }).waitFor();
    expect(countRequests).toHaveLength(1);
    expect(new URL(countRequests[0]!).searchParams.get("keys")!.split(",").sort()).toEqual([
      "keyset-pagination",
      "moderation-queue",
      "welcome",
    ]);
    await context.close();
  });
});

describe("/admin for an admin of every site", () => {
  it("creates a site with the form, imports an export into it and shows what came in", async () => {
    const context = await newReader(browser);
    const admin = await signInToAdmin(context);
    await admin.getByRole("heading", { name: "New site" }).waitFor();
    await admin.getByLabel("Site id (a-z, 0-9, -)").fill("imported-blog");
    await admin.getByLabel("Site name").fill("Imported blog");
    await admin
      .getByLabel("Allowed origins, one a line (https://blog.example)")
      .fill("https://imported.example");
    await admin.getByRole("button", { name: "Create site" }).click();
    await admin.waitForURL(/site=imported-blog/);
    expect(await admin.locator("#ad-site").inputValue()).toBe("imported-blog");

    await admin
      .getByLabel("Export file")
      .setInputFiles(path.join(__dirname, "../fixtures/import/artransfer-wordpress.xml"));
    await admin.getByRole("button", { name: "Import" }).click();
    await admin
      .getByText("Imported: 1 threads, 5 comments added, 0 skipped, 0 errors.")
      .waitFor({ timeout: 30_000 });
    const thread = await fetch(`${stack.service}/api/v1/sites/imported-blog/threads/1`);
    expect(((await thread.json()) as { commentCount: number }).commentCount).toBe(5);
    await context.close();
  });
});

describe("with third-party cookies blocked", () => {
  let blocked: Browser;
  beforeAll(async () => {
    blocked = await launchChromium({ blockThirdPartyCookies: true });
  });
  afterAll(async () => {
    await blocked?.close();
  });

  it("signs in through the popup and posts, sending the token and never a cookie", async () => {
    Object.assign(stack.twitter.profile, { id_str: "3003", screen_name: "cara", name: "Cara" });
    const context = await newReader(blocked);
    const page = await context.newPage();
    const withCookies: string[] = [];
    const withBearer: string[] = [];
    page.on("request", async (r) => {
      if (!r.url().startsWith(`${stack.service}/api/`)) return;
      const headers = await r.allHeaders();
      if (headers.cookie) withCookies.push(r.url());
      if (headers.authorization?.startsWith("Bearer ")) withBearer.push(r.url());
    });
    const frame = await openArticle(stack, page, "moderation-queue");
    const popup = context.waitForEvent("page");
    await frame.getByRole("button", { name: "Twitter", exact: true }).click();
    await popup;
    await frame.getByText("You are commenting using your Twitter account.").waitFor();
    await frame.getByLabel("Your comment").fill("Posted with third-party cookies blocked");
    await frame.getByRole("button", { name: "Post Comment" }).click();
    const mine = frame.locator(".cs-comment", {
      hasText: "Posted with third-party cookies blocked",
    });
    await mine.locator(".cs-author", { hasText: "Cara" }).waitFor();
    // The frame could not keep storage as a third party here: the token lives in memory.
    expect(await frame.locator("html").getAttribute("data-storage")).toBe("memory");
    expect(withBearer.some((u) => u.endsWith("/comments"))).toBe(true);
    expect(withCookies).toEqual([]);
    await context.close();
  });
});
