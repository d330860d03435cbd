// Preparing an article body for the reader.
//
// The engine already sanitises bodies; this is the second line. The HTML is parsed into an
// inert <template> (nothing in it runs or loads), then, in order:
//   1. elements that can run code, embed other documents or load things by themselves are
//      removed (script, iframe, object, media, forms, style...);
//   2. event handler and style attributes go, and links keep only http(s) and mailto targets;
//   3. tracking pixels (1×1 images) are dropped and every remote image keeps its address in
//      `data-src` instead of `src`, so nothing is fetched until the user agrees;
//   4. matched terms are wrapped in <mark>.
// The result is a DocumentFragment the reader inserts into its container; `{@html}` is never used.

import { findTexts } from "./highlight";

const DROP = new Set([
  "script", "noscript", "style", "link", "meta", "base", "iframe", "frame", "frameset", "object",
  "embed", "applet", "form", "input", "button", "select", "textarea", "template", "svg", "math",
  "video", "audio", "source", "track", "canvas", "portal", "head", "title",
]);

const URL_ATTRS = ["href", "src", "action", "formaction", "xlink:href", "background", "poster", "lowsrc", "ping"];

/** What the reader inserts, and which hosts it would fetch images from. */
export type PreparedContent = {
  fragment: DocumentFragment;
  /** Hosts of the images held back, in order of first appearance. */
  imageHosts: string[];
  /** How many images are held back. */
  blockedImages: number;
};

function resolve(url: string, base: string | null): URL | null {
  try {
    return base ? new URL(url, base) : new URL(url);
  } catch {
    return null;
  }
}

function isTrackingPixel(img: Element): boolean {
  const w = Number(img.getAttribute("width"));
  const h = Number(img.getAttribute("height"));
  return (w > 0 && w <= 2) || (h > 0 && h <= 2);
}

function highlightTextNodes(root: Node, needles: string[]) {
  if (needles.length === 0) return;
  const texts: Text[] = [];
  const walk = (node: Node) => {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType === 3) texts.push(child as Text);
      else if (child.nodeType === 1 && (child as Element).tagName.toLowerCase() !== "mark") walk(child);
    }
  };
  walk(root);
  for (const node of texts) {
    const value = node.data;
    const spans = findTexts(value, needles).sort((a, b) => a.start - b.start);
    if (spans.length === 0) continue;
    const doc = node.ownerDocument!;
    const frag = doc.createDocumentFragment();
    let at = 0;
    for (const s of spans) {
      if (s.start < at) continue;
      if (s.start > at) frag.appendChild(doc.createTextNode(value.slice(at, s.start)));
      const mark = doc.createElement("mark");
      mark.textContent = value.slice(s.start, s.end);
      frag.appendChild(mark);
      at = s.end;
    }
    if (at < value.length) frag.appendChild(doc.createTextNode(value.slice(at)));
    node.parentNode!.replaceChild(frag, node);
  }
}

/**
 * Parses and cleans `html`. `base` resolves relative links and images (the article's URL);
 * `highlight` lists the texts to mark.
 */
export function prepareContent(html: string, base: string | null, highlight: string[] = []): PreparedContent {
  const template = document.createElement("template");
  template.innerHTML = html;
  const root = template.content;
  const hosts: string[] = [];
  let blocked = 0;

  for (const el of Array.from(root.querySelectorAll("*"))) {
    if (!root.contains(el)) continue; // inside something already dropped
    const tag = el.tagName.toLowerCase();
    if (DROP.has(tag)) {
      el.remove();
      continue;
    }
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on") || name === "style" || name === "srcset" || name === "sizes" || name.startsWith("data-")) {
        el.removeAttribute(attr.name);
      } else if (URL_ATTRS.includes(name) && !(tag === "a" && name === "href") && !(tag === "img" && name === "src")) {
        el.removeAttribute(attr.name);
      }
    }
    if (tag === "a") {
      const href = el.getAttribute("href");
      const url = href ? resolve(href, base) : null;
      if (url && ["http:", "https:", "mailto:"].includes(url.protocol)) {
        el.setAttribute("href", url.href);
        el.setAttribute("rel", "noopener noreferrer");
        if (url.protocol !== "mailto:") el.setAttribute("title", url.href);
      } else {
        el.removeAttribute("href");
      }
      el.removeAttribute("target");
    }
    if (tag === "img") {
      const src = el.getAttribute("src");
      el.removeAttribute("src");
      if (isTrackingPixel(el)) {
        el.remove();
        continue;
      }
      const url = src ? resolve(src, base) : null;
      if (url && url.protocol === "data:" && /^data:image\/(png|gif|jpe?g|webp);/i.test(url.href)) {
        el.setAttribute("src", url.href);
      } else if (url && (url.protocol === "http:" || url.protocol === "https:")) {
        el.setAttribute("data-src", url.href);
        el.setAttribute("data-host", url.host);
        el.classList.add("held-image");
        if (!el.getAttribute("alt")) el.setAttribute("alt", `Image from ${url.host}`);
        if (!hosts.includes(url.host)) hosts.push(url.host);
        blocked++;
      } else {
        el.remove();
      }
    }
  }

  highlightTextNodes(root, highlight);
  const fragment = document.createDocumentFragment();
  fragment.append(...Array.from(root.childNodes));
  return { fragment, imageHosts: hosts, blockedImages: blocked };
}

/** Lets the images from `host` (or every host, when `null`) load. Returns how many were released. */
export function releaseImages(container: Element, host: string | null): number {
  let n = 0;
  for (const img of Array.from(container.querySelectorAll("img[data-src]"))) {
    if (host !== null && img.getAttribute("data-host") !== host) continue;
    img.setAttribute("src", img.getAttribute("data-src")!);
    img.removeAttribute("data-src");
    img.classList.remove("held-image");
    n++;
  }
  return n;
}
