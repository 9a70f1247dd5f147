import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "../config";
import { AppError } from "./errors";
import { escapeHtml } from "./html";

/** The bundles scripts/build-widget.mjs writes, by logical name ("widget.js" → hashed file). */
export interface WidgetAssets {
  dir: string;
  files: Record<string, string>;
  /** Hashed and fixed-name files that may be served. */
  served: Set<string>;
}

export const WIDGET_DIR = path.join(projectRoot, "dist", "widget");

class WidgetNotBuiltError extends AppError {
  constructor() {
    super(503, "unavailable", "The widget is not built: run `npm run build:widget`.");
  }
}

/**
 * Reads the widget manifest once. Missing bundles answer 503 rather than crash the service, so
 * the API keeps working on a checkout where only the TypeScript was compiled.
 */
export function widgetAssets(dir = WIDGET_DIR): () => WidgetAssets {
  let loaded: WidgetAssets | null = null;
  return () => {
    if (loaded) return loaded;
    let manifest: { files: Record<string, string> };
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as {
        files: Record<string, string>;
      };
    } catch {
      throw new WidgetNotBuiltError();
    }
    loaded = { dir, files: manifest.files, served: new Set(Object.values(manifest.files)) };
    return loaded;
  };
}

/** The HTML shell of the widget or the admin page: a stylesheet, a module script, and data. */
export function pageShell(opts: {
  title: string;
  css: string;
  js: string;
  bodyData?: Record<string, string>;
}): string {
  const data = Object.entries(opts.bodyData ?? {})
    .map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`)
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(opts.title)}</title>
<link rel="stylesheet" href="/assets/${escapeHtml(opts.css)}">
<script type="module" src="/assets/${escapeHtml(opts.js)}"></script>
</head>
<body${data}></body>
</html>`;
}
