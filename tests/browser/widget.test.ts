import type { Browser, FrameLocator, Page } from "playwright-core";
import { useTestDatabase } from "../support/db";
import { launchChromium, newReader, screenshotPath, startStack, type Stack } from "./support/stack";

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

/** Opens the demo article on the second origin and waits for the widget to load. */
async function openArticle(page: Page, post = "welcome"): Promise<FrameLocator> {
  await page.goto(`${stack.demo}/?post=${post}`);
  const frame = page.frameLocator('#comments iframe[title="Comments"]');
  await frame.locator("html[data-ready=true]").waitFor();
  return frame;
}

describe("the widget on the demo article", () => {
  it("posts as a guest from another origin and shows the comment", async () => {
    const context = await newReader(browser);
    const page = await context.newPage();
    const frame = await openArticle(page);
    await frame.getByText("Leave a Reply").waitFor();
    await frame
      .getByText("Please log in using one of these methods to post your comment:")
      .waitFor();
    await frame.getByLabel("Your comment").fill("Hello from a *guest*");
    await frame.getByLabel("Email (required)").fill("gina@example.com");
    await frame.getByLabel("Name (required)").fill("Gina Guest");
    await frame.getByRole("button", { name: "Post Comment" }).click();
    const comment = frame.locator(".cs-comment").filter({ hasText: "Gina Guest" });
    await comment.waitFor();
    expect(await comment.locator(".cs-body em").textContent()).toBe("guest");
    await frame.getByRole("heading", { name: "1 Comment" }).waitFor();
    await page.screenshot({ path: screenshotPath("smoke.png"), fullPage: true });
    await context.close();
  });
});
