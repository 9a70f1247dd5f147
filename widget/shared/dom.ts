/** Attributes and event handlers for el(); strings always become text, never markup. */
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;
type Child = Node | string | null | undefined | false;

/** Creates an element; string children go in as text nodes, so user text is never parsed. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") node.addEventListener(name.replace(/^on/, ""), value);
    else if (name === "className") node.className = String(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/**
 * Puts server-sanitized HTML (the API's `html` field) into a container. The server is the only
 * source of this markup; raw user input never reaches here.
 */
export function setSanitizedHtml(node: HTMLElement, serverHtml: string): void {
  const template = document.createElement("template");
  template.innerHTML = serverHtml;
  for (const a of Array.from(template.content.querySelectorAll("a"))) {
    a.target = "_blank";
    a.rel = "nofollow ugc noopener noreferrer";
  }
  node.replaceChildren(template.content);
}

/** "3 minutes ago" style time, with the exact time in a title. */
export function timeElement(iso: string): HTMLTimeElement {
  const date = new Date(iso);
  const t = el("time", { datetime: iso, title: date.toLocaleString() }, relativeTime(date));
  return t;
}

function relativeTime(date: Date, now = Date.now()): string {
  const s = Math.round((now - date.getTime()) / 1000);
  if (s < 60) return "just now";
  const units: [number, string][] = [
    [60, "minute"],
    [3600, "hour"],
    [86400, "day"],
    [2592000, "month"],
    [31536000, "year"],
  ];
  let label = "";
  for (let i = units.length - 1; i >= 0; i--) {
    const [size, name] = units[i]!;
    if (s >= size) {
      const n = Math.round(s / size);
      label = `${n} ${name}${n === 1 ? "" : "s"} ago`;
      break;
    }
  }
  return label;
}
