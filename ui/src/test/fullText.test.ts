import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { ArticleSummary } from "../lib/bindings/ArticleSummary";
import type { FullTextStatus } from "../lib/bindings/FullTextStatus";
import Reader from "../lib/components/Reader.svelte";
import { fullHtml, readingLine, statusLine } from "../lib/fullText";
import { ANALYSIS_FULL_TEXT, installFakeBackend } from "./fakeBackend";
import { reactive } from "./reactive.svelte";
import { goTo, renderApp } from "./render";

type Fake = ReturnType<typeof installFakeBackend>;

function summary(fake: Fake, id: number): ArticleSummary {
  const a = fake.articles.find((x) => x.id === id)!;
  const { content_html: _c, text: _t, guid: _g, updated: _u, full_text_status: _s, full_text: _f, full_text_note: _n, ...s } = a;
  return reactive(structuredClone(s));
}

function openReader(fake: Fake, id: number, props: Record<string, unknown> = {}) {
  return render(Reader, { props: { summary: summary(fake, id), onToggleStar: vi.fn(), onToggleRead: vi.fn(), ...props } });
}

const body = () => screen.getByTestId("reader-body");

describe("full text helpers", () => {
  it("gives word count and reading time, a minute at least", () => {
    expect(readingLine(1240)).toBe("1,240 words · 5 min read");
    expect(readingLine(40)).toBe("40 words · 1 min read");
  });

  it("completes the status line from the engine's note, else from the status", () => {
    const line = (full_text_status: FullTextStatus, full_text_note: string | null = null) =>
      statusLine({ full_text_status, full_text_note, full_text: null });
    expect(line("no_content", "The page is behind a login wall; the feed's summary is shown.")).toBe(
      "No full text: the page is behind a login wall — showing the feed's summary",
    );
    expect(line("blocked", "HTTP 403: the site refuses automated readers")).toBe(
      "No full text: HTTP 403: the site refuses automated readers — showing the feed's summary",
    );
    expect(line("gone")).toBe("No full text: the page is gone from the site — showing the feed's summary");
    expect(line("blocked", "The site's robots.txt asks automated readers not to fetch this page; the feed's summary is shown.")).toBe(
      "No full text: the site's robots.txt asks automated readers not to fetch this page — showing the feed's summary",
    );
    expect(line("too_large", "The page is larger than 2.5 MB, more than Wirewatch reads; the feed's summary is shown.")).toBe(
      "No full text: the page is larger than 2.5 MB, more than Wirewatch reads — showing the feed's summary",
    );
    expect(line("pending", "The page could not be fetched yet (no answer within 20 s); Wirewatch will try again.")).toBe(
      "The page could not be fetched yet (no answer within 20 s); Wirewatch will try again.",
    );
    expect(line("pending")).toBe("Fetching the full article…");
    expect(line("not_needed")).toBeNull();
  });

  it("puts the lead image first unless the body already shows it", () => {
    expect(fullHtml(ANALYSIS_FULL_TEXT)).toMatch(/^<figure class="lead-image"><img src="https:\/\/www\.aljazeera\.com\/[^"]+loc-valley\.jpg"/);
    const shown = { ...ANALYSIS_FULL_TEXT, html: `<p><img src="${ANALYSIS_FULL_TEXT.image}"></p>` };
    expect(fullHtml(shown)).toBe(shown.html);
    const opensWithOwn = { ...ANALYSIS_FULL_TEXT, html: `<figure><img src="https://x.example/lead-800.jpg"></figure><p>Text.</p>` };
    expect(fullHtml(opensWithOwn)).toBe(opensWithOwn.html);
    expect(fullHtml({ ...ANALYSIS_FULL_TEXT, image: 'https://x.example/a.jpg"><script>' })).not.toContain('"><script>');
  });
});

describe("Reader with full text", () => {
  it("shows the full article by default, with byline and reading time, and switches to the summary and back", async () => {
    const fake = installFakeBackend();
    const user = userEvent.setup();
    openReader(fake, 8);
    await waitFor(() => expect(body()).toHaveTextContent("Neelum valley"));
    expect(screen.getByTestId("reader-show-full")).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByTestId("reader-byline")).toHaveTextContent("By Asad Hashim");
    expect(screen.getByTestId("reader-full-text-meta")).toHaveTextContent(`${ANALYSIS_FULL_TEXT.words} words · 1 min read`);
    expect(screen.queryByTestId("reader-full-text-status")).toBeNull();

    await user.click(screen.getByTestId("reader-show-summary"));
    expect(screen.getByTestId("reader-show-summary")).toHaveAttribute("aria-pressed", "true");
    expect(body()).not.toHaveTextContent("Neelum valley");
    expect(body()).toHaveTextContent("analysts warn the ceasefire remains fragile");

    await user.click(screen.getByTestId("reader-show-full"));
    expect(body()).toHaveTextContent("Neelum valley");
  });

  it("holds the lead image back like any remote image, and keeps the consent across the switch", async () => {
    const fake = installFakeBackend();
    const user = userEvent.setup();
    openReader(fake, 8);
    await waitFor(() => expect(body().querySelector("figure.lead-image img")).not.toBeNull());
    const lead = () => body().querySelector<HTMLImageElement>("figure.lead-image img")!;
    expect(lead().hasAttribute("src")).toBe(false);
    expect(lead().getAttribute("data-src")).toBe(ANALYSIS_FULL_TEXT.image);
    await user.click(screen.getByRole("button", { name: "Load images from www.aljazeera.com" }));
    expect(lead().getAttribute("src")).toBe(ANALYSIS_FULL_TEXT.image);

    await user.click(screen.getByTestId("reader-show-summary"));
    await user.click(screen.getByTestId("reader-show-full"));
    expect(lead().getAttribute("src")).toBe(ANALYSIS_FULL_TEXT.image);
    expect(screen.queryByTestId("image-consent")).toBeNull();
  });

  it("prepares the full text as a feed's body: no script, no frame, no handler, nothing remote", async () => {
    const fake = installFakeBackend();
    const hostile =
      `<p onmouseover="window.pwned = true">Talks resumed.</p><script>window.pwned = true</script>` +
      `<iframe src="https://evil.example/"></iframe><img src="https://cdn.evil.example/x.jpg" onerror="window.pwned = true">`;
    fake.articles[7].full_text = { ...ANALYSIS_FULL_TEXT, html: hostile, image: null };
    openReader(fake, 8);
    await waitFor(() => expect(body()).toHaveTextContent("Talks resumed."));
    expect(document.querySelector("script, iframe")).toBeNull();
    expect(body().innerHTML).not.toMatch(/onmouseover|onerror/);
    expect(body().querySelector("img")!.hasAttribute("src")).toBe(false);
    expect((window as { pwned?: boolean }).pwned).toBeUndefined();
  });

  it("highlights the search terms in the full text as in the summary", async () => {
    const fake = installFakeBackend();
    openReader(fake, 8, { query: '"Ishaq Dar" OR ceasefire' });
    await waitFor(() => expect(body()).toHaveTextContent("Neelum valley"));
    await waitFor(() => expect(body().querySelectorAll("mark").length).toBeGreaterThan(0));
    const marked = Array.from(body().querySelectorAll("mark"), (m) => m.textContent);
    expect(marked).toContain("Ishaq Dar");
    expect(marked).toContain("ceasefire");
    expect(body().querySelector("blockquote mark")).not.toBeNull();
  });

  it("highlights a rule's matches in the full text, where only the full text has them", async () => {
    const fake = installFakeBackend();
    const start = ANALYSIS_FULL_TEXT.text.indexOf("Ishaq Dar");
    openReader(fake, 8, { matches: [{ field: "full_text", text: "Ishaq Dar", start, end: start + 9 }] });
    await waitFor(() => expect(body().querySelector("mark")).not.toBeNull());
    expect(Array.from(body().querySelectorAll("mark"), (m) => m.textContent)).toEqual(["Ishaq Dar"]);
  });

  const CASES: [FullTextStatus, string | null, string][] = [
    ["pending", null, "Fetching the full article…"],
    ["no_content", "The page is behind a login wall; the feed's summary is shown.", "No full text: the page is behind a login wall — showing the feed's summary"],
    ["not_html", null, "No full text: the link leads to a file, not a web page — showing the feed's summary"],
    ["too_large", null, "No full text: the page is larger than Wirewatch reads — showing the feed's summary"],
    ["blocked", null, "No full text: the site does not let automated readers in — showing the feed's summary"],
    ["gone", null, "No full text: the page is gone from the site — showing the feed's summary"],
    ["failed", null, "No full text: the page could not be fetched — showing the feed's summary"],
  ];

  it.each(CASES)("says calmly why there is no full text (%s), the summary staying in view", async (status, note, line) => {
    const fake = installFakeBackend();
    Object.assign(fake.articles[0], { full_text_status: status, full_text: null, full_text_note: note });
    openReader(fake, 1);
    const shown = await screen.findByTestId("reader-full-text-status");
    expect(shown).toHaveTextContent(line);
    expect(shown).toHaveAttribute("role", "status");
    await waitFor(() => expect(body()).toHaveTextContent("strictly observe the ceasefire"));
    expect(screen.queryByTestId("reader-show-full")).toBeNull();
  });

  it("says nothing when the feed's own text is the whole story", async () => {
    const fake = installFakeBackend();
    openReader(fake, 1);
    await waitFor(() => expect(body()).toHaveTextContent("strictly observe the ceasefire"));
    expect(screen.queryByTestId("reader-full-text-status")).toBeNull();
    expect(screen.queryByTestId("reader-full-text")).toBeNull();
  });

  it("turns 'Fetching…' into the full article when the engine's event arrives", async () => {
    const fake = installFakeBackend();
    openReader(fake, 2);
    expect(await screen.findByTestId("reader-full-text-status")).toHaveTextContent("Fetching the full article…");
    const full = { ...ANALYSIS_FULL_TEXT, html: "<p>The ceasefire held through the weekend, officers on both sides said.</p>", byline: "Kallol Bhattacherjee" };
    // Another article's news changes nothing here.
    await fake.settleFullText(3, "failed");
    expect(screen.getByTestId("reader-full-text-status")).toHaveTextContent("Fetching the full article…");

    await fake.settleFullText(2, "fetched", full);
    await waitFor(() => expect(body()).toHaveTextContent("held through the weekend"));
    expect(screen.queryByTestId("reader-full-text-status")).toBeNull();
    expect(screen.getByTestId("reader-show-full")).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByTestId("reader-byline")).toHaveTextContent("Kallol Bhattacherjee");
    expect(screen.getByTestId("reader-title")).toHaveTextContent("DGMOs hold hotline talks");
  });

  it("turns 'Fetching…' into the reason when the engine gives up", async () => {
    const fake = installFakeBackend();
    openReader(fake, 2);
    expect(await screen.findByTestId("reader-full-text-status")).toHaveTextContent("Fetching the full article…");
    await fake.settleFullText(2, "gone", null, "The page is gone (HTTP 404); the feed's summary is shown.");
    await waitFor(() =>
      expect(screen.getByTestId("reader-full-text-status")).toHaveTextContent(
        "No full text: the page is gone (HTTP 404) — showing the feed's summary",
      ),
    );
    expect(body()).toHaveTextContent("Senior army officers from New Delhi");
  });
});

describe("Feeds view: full text", () => {
  it("sets a feed's full-text mode through the engine, explains Auto, and shows the choice at once", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "feeds");
    const row = () => screen.getAllByTestId("feed-row").find((r) => r.dataset.feedId === "1")!;
    const select = within(row()).getByTestId("feed-full-text") as HTMLSelectElement;
    expect(select.value).toBe("auto");
    expect(Array.from(select.options, (o) => o.textContent)).toEqual(["Full text: Auto", "Full text: Always", "Full text: Never"]);
    expect(screen.getByTestId("full-text-explained")).toHaveTextContent(
      "Full text Auto fetches an article's own page when its feed gives only a headline and a teaser",
    );
    expect(select).toHaveAttribute("title", "Fetches an article's own page when the feed gives only a teaser");
    const other = screen.getAllByTestId("feed-row").find((r) => r.dataset.feedId === "6")!;
    expect((within(other).getByTestId("feed-full-text") as HTMLSelectElement).value).toBe("never");

    let answer = () => {};
    fake.settingGate = new Promise((resolve) => (answer = resolve));
    await user.selectOptions(select, "never");
    // Shown as chosen before the engine answers.
    expect(fake.feeds[0].full_text).toBe("auto");
    expect((within(row()).getByTestId("feed-full-text") as HTMLSelectElement).value).toBe("never");
    expect(within(row()).getByTestId("feed-full-text")).toHaveAttribute("title", "Keeps only what the feed itself says");
    answer();
    fake.settingGate = null;
    await waitFor(() => expect(fake.feeds[0].full_text).toBe("never"));
    expect(fake.calls.find((c) => c.cmd === "set_feed_full_text")!.args).toEqual({ id: 1, mode: "never" });
    expect((within(row()).getByTestId("feed-full-text") as HTMLSelectElement).value).toBe("never");

    await user.selectOptions(within(row()).getByTestId("feed-full-text"), "always");
    await waitFor(() => expect(fake.feeds[0].full_text).toBe("always"));
    expect(within(row()).getByTestId("feed-full-text")).toHaveAttribute("title", "Fetches every new article's own page");
  });

  it("puts the setting back and says why when the engine refuses it", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "feeds");
    const row = screen.getAllByTestId("feed-row").find((r) => r.dataset.feedId === "2")!;
    // Removed elsewhere (the CLI) while the window still lists it.
    fake.feeds = fake.feeds.filter((f) => f.id !== 2);
    await user.selectOptions(within(row).getByTestId("feed-full-text"), "always");
    expect(await within(row).findByRole("alert")).toHaveTextContent("No feed 2.");
    expect((within(row).getByTestId("feed-full-text") as HTMLSelectElement).value).toBe("auto");
    expect(fake.calls.filter((c) => c.cmd === "set_feed_full_text").length).toBe(1);
  });
});
