import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { ArticleSummary } from "../lib/bindings/ArticleSummary";
import Reader from "../lib/components/Reader.svelte";
import { prepareContent } from "../lib/content";
import { installFakeBackend } from "./fakeBackend";
import { reactive } from "./reactive.svelte";

const HOSTILE = `
  <h2 onclick="alert(1)">Talks resume</h2>
  <script>window.pwned = true</script>
  <p style="background:url(https://track.example/bg.png)">Delegations met in <a href="https://example.org/story">Islamabad</a>
  and <a href="javascript:alert(1)">here</a>.</p>
  <img src="https://cdn.news.example/photo.jpg" onerror="window.pwned = true" srcset="https://cdn.news.example/big.jpg 2x">
  <img src="//img.other.example/pic.png" alt="map">
  <img src="https://pixel.example/p.gif" width="1" height="1">
  <iframe src="https://evil.example/"></iframe>
  <svg><script>window.pwned = true</script></svg>
  <object data="https://evil.example/x.swf"></object>
  <video src="https://cdn.news.example/clip.mp4"></video>
`;

function summary(fake: ReturnType<typeof installFakeBackend>, id: number): ArticleSummary {
  const { content_html: _c, text: _t, guid: _g, updated: _u, ...s } = fake.articles.find((a) => a.id === id)!;
  return reactive(structuredClone(s));
}

describe("prepareContent", () => {
  it("drops scripts, handlers, frames and styles, and holds back every remote image", () => {
    const { fragment, imageHosts, blockedImages } = prepareContent(HOSTILE, "https://news.example/a/1");
    const box = document.createElement("div");
    box.append(fragment);
    expect(box.querySelector("script, iframe, object, svg, video, style")).toBeNull();
    expect(box.innerHTML).not.toMatch(/onclick|onerror|javascript:|style=|srcset/i);
    const imgs = Array.from(box.querySelectorAll("img"));
    expect(imgs.length).toBe(2);
    for (const img of imgs) {
      expect(img.hasAttribute("src")).toBe(false);
      expect(img.getAttribute("data-src")).toMatch(/^https:\/\//);
    }
    expect(box.innerHTML).not.toContain("pixel.example");
    expect(imageHosts).toEqual(["cdn.news.example", "img.other.example"]);
    expect(blockedImages).toBe(2);
    const links = Array.from(box.querySelectorAll("a"));
    expect(links[0].getAttribute("href")).toBe("https://example.org/story");
    expect(links[1].hasAttribute("href")).toBe(false);
  });

  it("marks the given terms in the text without touching markup", () => {
    const { fragment } = prepareContent("<p>The <b>ceasefire</b> holds; Ceasefire talks next.</p>", null, ["ceasefire"]);
    const box = document.createElement("div");
    box.append(fragment);
    expect(Array.from(box.querySelectorAll("mark"), (m) => m.textContent)).toEqual(["ceasefire", "Ceasefire"]);
    expect(box.querySelector("b mark")).not.toBeNull();
  });
});

describe("Reader", () => {
  it("does not load remote images until the user agrees, and never inserts a script", async () => {
    const fake = installFakeBackend();
    fake.articles[0].content_html += HOSTILE;
    const user = userEvent.setup();
    render(Reader, { props: { summary: summary(fake, 1), onToggleStar: vi.fn(), onToggleRead: vi.fn() } });
    const body = screen.getByTestId("reader-body");
    await waitFor(() => expect(body.querySelectorAll("img").length).toBeGreaterThan(0));

    expect(document.querySelectorAll("script").length).toBe(0);
    expect(document.querySelector("iframe, object")).toBeNull();
    expect((window as { pwned?: boolean }).pwned).toBeUndefined();
    for (const img of body.querySelectorAll("img")) expect(img.hasAttribute("src")).toBe(false);

    const buttons = screen.getAllByTestId("load-images");
    expect(buttons.map((b) => b.textContent)).toContain("Load images from images.dawn.com");
    await user.click(buttons.find((b) => b.textContent?.includes("images.dawn.com"))!);
    const dawn = body.querySelector<HTMLImageElement>('img[alt="Soldiers at the Line of Control"]')!;
    expect(dawn.getAttribute("src")).toBe("https://images.dawn.com/photos/loc.jpg");
    // Other hosts still wait.
    expect(body.querySelector('img[data-host="cdn.news.example"]')!.hasAttribute("src")).toBe(false);
  });

  it("opens links through the engine instead of navigating", async () => {
    const fake = installFakeBackend();
    const user = userEvent.setup();
    render(Reader, { props: { summary: summary(fake, 1), onToggleStar: vi.fn(), onToggleRead: vi.fn() } });
    const link = await screen.findByRole("link", { name: "Dawn" });
    await user.click(link);
    await waitFor(() => expect(fake.calls.some((c) => c.cmd === "open_link")).toBe(true));
    expect(fake.calls.find((c) => c.cmd === "open_link")!.args).toEqual({ url: "https://www.dawn.com/news/1" });
    await user.click(screen.getByTestId("reader-open-original"));
    expect(fake.calls.filter((c) => c.cmd === "open_link").length).toBe(2);
  });

  it("shows title, outlet, author and a relative time with the exact time on hover", async () => {
    const fake = installFakeBackend();
    render(Reader, { props: { summary: summary(fake, 1), onToggleStar: vi.fn(), onToggleRead: vi.fn() } });
    expect(screen.getByTestId("reader-title")).toHaveTextContent("India and Pakistan agree to observe ceasefire");
    expect(screen.getByTestId("reader-author")).toHaveTextContent("Staff Reporter");
    expect(screen.getByTestId("reader")).toHaveTextContent("Dawn");
    const time = screen.getByTestId("reader").querySelector("time")!;
    expect(time.getAttribute("title")).toMatch(/2025/);
  });

  it("highlights the terms of the search in title and body", async () => {
    const fake = installFakeBackend();
    render(Reader, { props: { summary: summary(fake, 1), query: "ceasefire", onToggleStar: vi.fn(), onToggleRead: vi.fn() } });
    await waitFor(() => expect(screen.getByTestId("reader-body").querySelector("mark")).not.toBeNull());
    expect(screen.getByTestId("reader-title").querySelector("mark")!.textContent).toBe("ceasefire");
    expect(fake.calls.some((c) => c.cmd === "article_matches" && c.args.query === "ceasefire")).toBe(true);
  });
});
