/**
 * Fills every [data-comments-count="key"] element with the thread's comment count, in one
 * request per page:
 *   <span data-comments-count="post-123"></span>
 *   <script src="https://COMMENTS_HOST/count.js" data-site="demo" async></script>
 */
(() => {
  const script =
    (document.currentScript as HTMLScriptElement | null) ??
    document.querySelector<HTMLScriptElement>('script[src*="/count.js"][data-site]');
  const site = script?.dataset.site;
  if (!script || !site) return;
  const service = new URL(script.src).origin;

  const fill = async () => {
    const nodes = Array.from(document.querySelectorAll<HTMLElement>("[data-comments-count]"));
    const keys = [...new Set(nodes.map((n) => n.dataset.commentsCount!).filter(Boolean))];
    // The API answers at most 100 keys at a time; one request covers any ordinary listing page.
    for (let i = 0; i < keys.length; i += 100) {
      const batch = keys.slice(i, i + 100);
      const res = await fetch(
        `${service}/api/v1/sites/${encodeURIComponent(site)}/counts?keys=${batch
          .map(encodeURIComponent)
          .join(",")}`,
        { credentials: "omit" },
      );
      if (!res.ok) return;
      const { counts } = (await res.json()) as { counts: Record<string, number> };
      for (const n of nodes) {
        const count = counts[n.dataset.commentsCount!];
        if (count === undefined) continue;
        const one = n.dataset.commentsOne ?? "1 Comment";
        const many = n.dataset.commentsMany ?? "% Comments";
        const zero = n.dataset.commentsZero ?? "No comments yet";
        n.textContent = count === 0 ? zero : count === 1 ? one : many.replace("%", String(count));
      }
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fill);
  else void fill();
})();
