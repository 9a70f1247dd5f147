import { Router, type Response } from "express";
import type { Config } from "../config";
import { ForbiddenError, NotFoundError } from "../server/errors";
import { allowedOrigins, getSite } from "../server/services/sites";
import { parse } from "../server/validation";
import { pageShell, type WidgetAssets } from "../server/widgetAssets";
import { assetParams, widgetQuery } from "./embed.schema";

const YEAR = 365 * 24 * 3600;

/**
 * The bundles are sent relative to their folder: given a whole path, `send` refuses any with a
 * dot-folder in it (a checkout under ~/.local or a CI's .cache) as if it were a dotfile.
 */
const sendOptions = (assets: WidgetAssets) => ({ root: assets.dir });

/** A page's CSP: only this origin's scripts, styles and sockets; framing as given. */
function pageCsp(config: Config, frameAncestors: string[]): string {
  const ws = config.publicOrigin.replace(/^http/, "ws");
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src * data:",
    `connect-src 'self' ${ws}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors.length ? [...new Set(frameAncestors)].join(" ") : "'none'"}`,
  ].join("; ");
}

function sendPage(res: Response, csp: string, html: string) {
  // helmet's X-Frame-Options would forbid every framer; frame-ancestors says who may. Opened as a
  // window of its own, the page's sign-in popup must keep its opener (helmet's COOP cuts it).
  res.removeHeader("X-Frame-Options");
  res.set({
    "Content-Security-Policy": csp,
    "Cache-Control": "no-cache",
    "Cross-Origin-Opener-Policy": "same-origin-allow-popups",
  });
  res.type("html").send(html);
}

/**
 * The embeddable parts: /embed.js and /count.js under fixed names (site owners link them, so
 * they are cached briefly), hashed bundles under /assets (cached for a year), the widget page
 * that embed.js frames, and /admin.
 */
export function embedRouter(deps: { config: Config; assets: () => WidgetAssets }): Router {
  const router = Router();
  const { config } = deps;

  for (const name of ["embed.js", "count.js"]) {
    router.get(`/${name}`, (_req, res) => {
      const assets = deps.assets();
      res.set("Cache-Control", "public, max-age=300");
      res.sendFile(assets.files[name]!, sendOptions(assets));
    });
  }

  router.get("/assets/:file", (req, res) => {
    const { file } = parse(assetParams, req.params);
    const assets = deps.assets();
    if (!assets.served.has(file)) throw new NotFoundError("Asset");
    res.set("Cache-Control", `public, max-age=${YEAR}, immutable`);
    res.sendFile(file, sendOptions(assets));
  });

  router.get("/widget", async (req, res) => {
    const q = parse(widgetQuery, req.query, "query");
    const site = await getSite(q.site);
    const origins = allowedOrigins(site, config);
    if (q.origin !== undefined && !origins.includes(q.origin)) {
      throw new ForbiddenError("This page's origin may not embed the site's comments.");
    }
    const assets = deps.assets();
    sendPage(
      res,
      pageCsp(config, origins),
      pageShell({
        title: q.title ? `Comments on ${q.title}` : "Comments",
        css: assets.files["widget.css"]!,
        js: assets.files["widget.js"]!,
        bodyData: { ...(q.origin ? { "parent-origin": q.origin } : {}), "site-name": site.name },
      }),
    );
  });

  router.get("/admin", (_req, res) => {
    const assets = deps.assets();
    sendPage(
      res,
      pageCsp(config, []),
      pageShell({
        title: "Moderation",
        css: assets.files["admin.css"]!,
        js: assets.files["admin.js"]!,
      }),
    );
  });

  return router;
}
