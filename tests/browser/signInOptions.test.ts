import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT } from "jose";
import type { Browser, FrameLocator } from "playwright-core";
import { Session } from "../../models/Session";
import { Site } from "../../models/Site";
import { Identity } from "../../models/User";
import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";
import { launchChromium, newReader, openArticle, startStack, type Stack } from "./support/stack";

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

async function postComment(frame: FrameLocator, text: string) {
  await frame.getByLabel("Your comment").fill(text);
  await frame.getByRole("button", { name: "Post Comment" }).click();
}

describe("single sign-on: a host site passes its reader's token on the script tag", () => {
  const SECRET = "the-newsroom's-own-secret-of-32-chars-or-more";
  // The host site's article page: a token for its reader, or none once they logged out there.
  let token: string | null = null;
  let host: http.Server;
  let hostOrigin = "";
  beforeAll(async () => {
    host = http.createServer((_req, res) => {
      res.setHeader("Content-Type", "text/html");
      res.end(`<!doctype html><title>A story</title><h1>A story</h1><div id="comments"></div>
<script src="${stack.service}/embed.js" data-site="newsroom" data-key="story"${
        token ? ` data-sso-token="${token}"` : ""
      } async></script>`);
    });
    await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
    // Same site as the service (another port), so the frame keeps its token across reloads.
    hostOrigin = `http://localhost:${(host.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => host.close(resolve)));

  it("signs the reader in as the site's account, posts as them, and signs out with the host", async () => {
    await makeSite({
      slug: "newsroom",
      origins: [hostOrigin],
      settings: { providers: ["twitter"] },
    });
    await Site.updateOne(
      { _id: "newsroom" },
      { $set: { name: "Newsroom", sso: { secret: SECRET } } },
    );
    const signed = await new SignJWT({ name: "Rita Reader" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("subscriber-7")
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(SECRET));
    token = signed;

    const context = await newReader(browser);
    const page = await context.newPage();
    await page.goto(`${hostOrigin}/story`);
    const frame = page.frameLocator('#comments iframe[title="Comments"]');
    await frame.locator("html[data-ready=true]").waitFor();
    expect(await frame.locator(".cs-signed-in").textContent()).toBe(
      "You are commenting using your Newsroom account. ( Log Out / Change )",
    );
    // The token reached the frame by postMessage: nothing of it is in the frame's address.
    const widget = page.frames().find((f) => f.url().startsWith(`${stack.service}/widget`))!;
    expect(widget.url()).not.toContain(signed.split(".")[1]!);

    await postComment(frame, "Hello from a subscriber");
    const mine = frame.locator(".cs-comment", { hasText: "Hello from a subscriber" });
    await mine.locator(".cs-author", { hasText: "Rita Reader" }).waitFor();

    // The frame keeps its token across reloads, so what follows is the widget's own doing.
    expect(await frame.locator("html").getAttribute("data-storage")).toBe("local");
    const reader = await Identity.findById(`sso:newsroom:subscriber-7`).lean();
    const live = () => Session.countDocuments({ user: reader!.user, revokedAt: null });
    expect(await live()).toBe(1);

    // The host's reader logs out there: the next page passes no token, and the widget follows.
    token = null;
    await page.reload();
    await frame.locator("html[data-ready=true]").waitFor();
    await frame
      .getByText("Please log in using one of these methods to post your comment:")
      .waitFor();
    expect(await frame.locator(".cs-signed-in").count()).toBe(0);
    expect(await live()).toBe(0);

    // Signed in again by the host, Log Out in the widget ends our session only.
    token = signed;
    await page.reload();
    await frame.getByText("You are commenting using your Newsroom account.").waitFor();
    await frame.getByRole("button", { name: "Log Out" }).click();
    await frame
      .getByText("Please log in using one of these methods to post your comment:")
      .waitFor();
    await context.close();
  });
});

describe("the demo account (npm start on loopback, off production)", () => {
  it("signs in from the demo article's popup as the demo site's moderator, who can open /admin", async () => {
    const context = await newReader(browser);
    const page = await context.newPage();
    const frame = await openArticle(stack, page, "welcome");
    const popupOpened = context.waitForEvent("page");
    await frame.getByRole("button", { name: "Demo", exact: true }).click();
    const popup = await popupOpened;
    await popup.getByLabel("Your name").fill("Dana Demo");
    await popup.getByLabel("Sign in as the demo site's moderator").check();
    await popup.getByRole("button", { name: "Sign in" }).click();
    await frame.getByText("You are commenting using your Demo account.").waitFor();

    await postComment(frame, "Trying it out");
    await frame.locator(".cs-comment .cs-author", { hasText: "Dana Demo" }).waitFor();

    // /admin offers the same account, through the same popup.
    const admin = await context.newPage();
    await admin.goto(`${stack.service}/admin`);
    const adminPopup = context.waitForEvent("page");
    await admin.getByRole("button", { name: "Demo", exact: true }).click();
    const second = await adminPopup;
    await second.getByLabel("Your name").fill("Dana Demo");
    await second.getByLabel("Sign in as the demo site's moderator").check();
    await second.getByRole("button", { name: "Sign in" }).click();
    await admin.getByText("Signed in as Dana Demo (Demo)").waitFor();
    await admin.getByRole("heading", { name: "Settings" }).waitFor();
    await context.close();
  });
});

describe("a signed-in reader's own data", () => {
  it("downloads it from the widget, then deletes the account, leaving the comment unsigned", async () => {
    const context = await newReader(browser);
    const page = await context.newPage();
    const frame = await openArticle(stack, page, "own-data");
    const popupOpened = context.waitForEvent("page");
    await frame.getByRole("button", { name: "Demo", exact: true }).click();
    const popup = await popupOpened;
    await popup.getByLabel("Your name").fill("Rita Reader");
    await popup.getByRole("button", { name: "Sign in" }).click();
    await frame.getByText("You are commenting using your Demo account.").waitFor();
    await postComment(frame, "Mine to take away");
    await frame.locator(".cs-comment .cs-author", { hasText: "Rita Reader" }).waitFor();

    const download = page.waitForEvent("download");
    await frame.getByRole("button", { name: "Download my data" }).click();
    const file = await (await download).path();
    const data = JSON.parse(fs.readFileSync(file, "utf8")) as {
      user: { name: string };
      comments: { body: string }[];
    };
    expect(data.user.name).toBe("Rita Reader");
    expect(data.comments.map((c) => c.body)).toEqual(["Mine to take away"]);

    // Yes to deleting the account, no to removing the words.
    const answers = [true, false];
    page.on("dialog", (d) => void (answers.shift() ? d.accept() : d.dismiss()));
    await frame.getByRole("button", { name: "Delete my account" }).click();
    await frame.getByText("Your account is deleted.").waitFor();
    await frame.getByRole("button", { name: "Demo", exact: true }).waitFor();
    await page.reload();
    const again = page.frameLocator("iframe");
    await again.locator(".cs-comment", { hasText: "Mine to take away" }).waitFor();
    expect(
      await again
        .locator(".cs-comment", { hasText: "Mine to take away" })
        .locator(".cs-author")
        .textContent(),
    ).toContain("[deleted]");
    await context.close();
  });
});

describe("remembered guests", () => {
  it("fills a guest's name, email and website after a reload only while the box is ticked", async () => {
    const context = await newReader(browser);
    const page = await context.newPage();
    // Embedded first-party, where the frame may keep storage.
    await page.goto(`${stack.service}/?post=keyset-pagination`);
    const frame = page.frameLocator('#comments iframe[title="Comments"]');
    await frame.locator("html[data-ready=true][data-storage=local]").waitFor();
    const remember = frame.getByLabel(
      "Save my name, email, and website in this browser for the next time I comment.",
    );
    expect(await remember.isChecked()).toBe(false);
    await frame.getByLabel("Email (required)").fill("gus@example.com");
    await frame.getByLabel("Name (required)").fill("Gus Guest");
    await frame.getByLabel("Website", { exact: true }).fill("https://gus.example");
    await remember.check();
    await postComment(frame, "Remember me");
    await frame.getByText("Your comment was posted.").waitFor();

    await page.reload();
    await frame.locator("html[data-ready=true]").waitFor();
    expect(await frame.getByLabel("Name (required)").inputValue()).toBe("Gus Guest");
    expect(await frame.getByLabel("Email (required)").inputValue()).toBe("gus@example.com");
    expect(await frame.getByLabel("Website", { exact: true }).inputValue()).toBe(
      "https://gus.example",
    );
    expect(await remember.isChecked()).toBe(true);

    // Unticked, nothing is kept.
    await remember.uncheck();
    await page.reload();
    await frame.locator("html[data-ready=true]").waitFor();
    expect(await frame.getByLabel("Name (required)").inputValue()).toBe("");
    expect(await remember.isChecked()).toBe(false);

    // A guest who never ticks it leaves nothing behind either.
    await frame.getByLabel("Email (required)").fill("nia@example.com");
    await frame.getByLabel("Name (required)").fill("Nia");
    await postComment(frame, "Forget me");
    await frame.getByText("Your comment was posted.").waitFor();
    await page.reload();
    await frame.locator("html[data-ready=true]").waitFor();
    expect(await frame.getByLabel("Email (required)").inputValue()).toBe("");
    await context.close();
  });
});
