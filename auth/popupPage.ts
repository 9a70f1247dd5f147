import crypto from "node:crypto";
import type { Response } from "express";
import { escapeHtml } from "../server/html";
import type { ApiUser } from "./presentUser";
import type { SignInError } from "./errors";

export type PopupMessage =
  | { type: "comments:auth"; token: string; user: ApiUser }
  | { type: "comments:auth-error"; error: { code: string; message: string } };

/** JSON safe inside a <script> element: nothing in it can close the element or open a comment. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** The target of postMessage: a checked origin, never "*", or the page refuses to render. */
function assertOrigin(targetOrigin: string): void {
  let ok: boolean;
  try {
    ok = new URL(targetOrigin).origin === targetOrigin;
  } catch {
    ok = false;
  }
  if (!ok || targetOrigin === "null") throw new Error("postMessage target must be an origin");
}

/** The page's HTML and its own Content-Security-Policy, which lets only its one script run. */
export function renderPopupPage(
  message: PopupMessage,
  targetOrigin: string,
): { html: string; csp: string } {
  assertOrigin(targetOrigin);
  const nonce = crypto.randomBytes(16).toString("base64");
  const text =
    message.type === "comments:auth"
      ? "You are signed in. This window closes by itself."
      : `Sign-in failed: ${message.error.message}`;
  const script =
    `(function () {\n` +
    `  var message = ${scriptJson(message)};\n` +
    `  var targetOrigin = ${scriptJson(targetOrigin)};\n` +
    `  if (window.opener) window.opener.postMessage(message, targetOrigin);\n` +
    `  window.close();\n` +
    `})();`;
  const html =
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="referrer" content="no-referrer"><title>Signing in</title></head>` +
    `<body><p>${escapeHtml(text)}</p>\n<script nonce="${nonce}">\n${script}\n</script></body></html>\n`;
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return { html, csp };
}

/**
 * Headers for every response of the popup: helmet's default Cross-Origin-Opener-Policy
 * (same-origin) would cut the popup off from a cross-origin opener, so window.opener would be
 * null by the time the callback page runs.
 */
export function allowOpener(res: Response): void {
  res.set("Cross-Origin-Opener-Policy", "unsafe-none");
}

/** Answers the callback with the page; no-store, because a success page carries a token. */
export function sendPopupPage(res: Response, message: PopupMessage, targetOrigin: string): void {
  const { html, csp } = renderPopupPage(message, targetOrigin);
  allowOpener(res);
  res
    .status(200)
    .set({
      "Content-Security-Policy": csp,
      "Cache-Control": "no-store",
      Pragma: "no-cache",
      "Referrer-Policy": "no-referrer",
    })
    .type("html")
    .send(html);
}

export function errorMessage(err: SignInError): PopupMessage {
  return { type: "comments:auth-error", error: { code: err.code, message: err.message } };
}
