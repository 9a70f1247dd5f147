/**
 * The loader a site owner puts under an article:
 *   <div id="comments"></div>
 *   <script src="https://COMMENTS_HOST/embed.js" data-site="demo" data-key="post-123" async></script>
 * It puts the widget's iframe into #comments (or data-container), sizes it to its content, and
 * talks to it only through postMessage with exact origins on both sides.
 */
(() => {
  const script =
    (document.currentScript as HTMLScriptElement | null) ??
    document.querySelector<HTMLScriptElement>('script[src*="/embed.js"][data-site]');
  if (!script) return;
  const service = new URL(script.src).origin;
  const data = script.dataset;
  const site = data.site;
  const container = document.querySelector<HTMLElement>(data.container ?? "#comments");
  if (!site || !container) return;

  // The CSS variables a page may set on the container to theme the widget.
  const themeVars = ["font", "text", "background", "muted", "accent", "border", "radius"];
  const canonical = document.querySelector<HTMLLinkElement>('link[rel="canonical"]');
  const pageUrl = data.url ?? canonical?.href ?? location.href.split("#")[0]!;
  const params = new URLSearchParams({
    site,
    key: data.key ?? location.pathname,
    url: pageUrl,
    title: data.title ?? document.title,
    origin: location.origin,
  });
  // The host's token for its logged-in reader goes to the frame by postMessage, never in its URL.
  const ssoToken = data.ssoToken?.trim() || null;
  if (ssoToken) params.set("sso", "1");
  const frame = document.createElement("iframe");
  frame.src = `${service}/widget?${params}`;
  frame.title = "Comments";
  frame.setAttribute("scrolling", "no");
  frame.style.cssText = "width:100%;border:0;height:320px;display:block;overflow:hidden";
  container.replaceChildren(frame);

  const post = (message: object) => frame.contentWindow?.postMessage(message, service);
  const viewport = () => {
    const r = frame.getBoundingClientRect();
    post({ type: "comments:viewport", top: -r.top, height: innerHeight });
  };
  const theme = () => {
    const style = getComputedStyle(container);
    const vars: Record<string, string> = {};
    for (const v of themeVars) {
      const value = style.getPropertyValue(`--comments-${v}`).trim();
      if (value) vars[v] = value;
    }
    post({ type: "comments:theme", vars });
  };

  addEventListener("message", (event) => {
    if (event.origin !== service || event.source !== frame.contentWindow) return;
    const m = event.data as { type?: string; height?: unknown; offset?: unknown };
    if (m.type === "comments:sso-wanted") {
      if (ssoToken) post({ type: "comments:sso", token: ssoToken });
    } else if (m.type === "comments:ready") {
      theme();
      viewport();
    } else if (m.type === "comments:resize" && typeof m.height === "number") {
      frame.style.height = `${Math.ceil(m.height)}px`;
    } else if (m.type === "comments:scroll-to" && typeof m.offset === "number") {
      scrollTo({
        top: frame.getBoundingClientRect().top + scrollY + m.offset - 16,
        behavior: "smooth",
      });
    }
  });
  let queued = false;
  const onScroll = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      viewport();
    });
  };
  addEventListener("scroll", onScroll, { passive: true });
  addEventListener("resize", onScroll);
})();
