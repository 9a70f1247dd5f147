import { el } from "../shared/dom";
import { postToHost, type WidgetContext } from "./context";

/**
 * "N new comments": shown at the top of what the reader can see when comments arrive above it,
 * where they would otherwise go unnoticed. The host page tells the widget which part of the
 * frame is on screen (the frame itself never scrolls).
 */
export class NewCommentsNotice {
  private readonly button = el("button", { type: "button", className: "cs-notice", hidden: true });
  private unseen: HTMLElement[] = [];
  private top = 0;
  private height = window.innerHeight;

  constructor(
    private readonly ctx: WidgetContext,
    container: HTMLElement,
  ) {
    container.append(this.button);
    this.button.addEventListener("click", () => {
      const first = this.unseen.sort((a, b) => offset(a) - offset(b))[0];
      if (first) {
        if (window.parent === window) first.scrollIntoView({ behavior: "smooth" });
        else postToHost(this.ctx, { type: "comments:scroll-to", offset: offset(first) });
        first.querySelector<HTMLElement>("a, button")?.focus({ preventScroll: true });
      }
      this.unseen = [];
      this.render();
    });
    if (window.parent === window) {
      window.addEventListener("scroll", () => this.viewport(window.scrollY, window.innerHeight), {
        passive: true,
      });
    }
  }

  /** The part of the widget on screen, in the widget's own coordinates. */
  viewport(top: number, height: number): void {
    this.top = top;
    this.height = height;
    this.unseen = this.unseen.filter((n) => n.isConnected && offset(n) + n.offsetHeight < this.top);
    this.render();
  }

  arrived(node: HTMLElement): void {
    if (offset(node) + node.offsetHeight < this.top) this.unseen.push(node);
    this.render();
  }

  private render(): void {
    const n = this.unseen.length;
    this.button.hidden = n === 0;
    this.button.textContent = n === 1 ? "↑ 1 new comment" : `↑ ${n} new comments`;
    this.button.style.top = `${Math.max(0, this.top) + 8}px`;
  }
}

function offset(node: HTMLElement): number {
  return node.getBoundingClientRect().top + window.scrollY;
}
