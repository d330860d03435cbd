import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { timing } from "../lib/timing";
import { goTo, renderApp } from "./render";

describe("Articles view", () => {
  it("shows an inline error with the bad span underlined for an invalid query, and results for a valid one", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "articles");
    await waitFor(() => expect(screen.getByTestId("article-total")).toHaveTextContent(`${fake.articles.length} articles`));

    const search = screen.getByTestId("search-input");
    await user.type(search, "ceasefire AND (India OR Pakistan");
    await user.keyboard("{Enter}");

    const error = await screen.findByTestId("query-error");
    expect(error).toHaveTextContent("never closed");
    expect(screen.getByTestId("query-error-span")).toHaveTextContent("(");
    expect(screen.getByTestId("query-underline")).toHaveTextContent("(");
    expect(search).toHaveAttribute("aria-invalid", "true");

    await user.type(search, ")");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(screen.queryByTestId("query-error")).toBeNull());
    const matching = fake.articles.filter((a) => /ceasefire/i.test(a.title + a.text) && /india|pakistan/i.test(a.title + a.text));
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBe(matching.length));
    expect(screen.getByTestId("article-total")).toHaveTextContent(`${matching.length} articles`);
    // The search terms are highlighted in the results.
    expect(screen.getAllByTestId("article-row")[0].querySelector("mark")).not.toBeNull();
  });

  it("searches as the user types, after a pause", async () => {
    const { user } = await renderApp();
    await goTo(user, "articles");
    await user.type(screen.getByTestId("search-input"), "monsoon");
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBe(1));
    expect(screen.getByTestId("article-row")).toHaveTextContent("Monsoon floods");
  });

  it("renders only a window of rows for 100,000 articles and loads the next page near the end", async () => {
    const { user, fake } = await renderApp({ bulkArticles: 100_000 });
    await goTo(user, "articles");
    const total = fake.articles.length;
    await waitFor(() => expect(screen.getByTestId("article-total")).toHaveTextContent(total.toLocaleString()));

    const list = screen.getByTestId("article-list");
    const rendered = screen.getAllByTestId("article-row").length;
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(40);
    const pagesBefore = fake.calls.filter((c) => c.cmd === "search_articles").length;

    // Scroll to the end of what is loaded: the next page is requested with the cursor.
    const track = list.firstElementChild as HTMLElement;
    const height = parseInt(track.style.height);
    list.scrollTop = height - 800;
    await fireEvent.scroll(list);
    await waitFor(() => expect(fake.calls.filter((c) => c.cmd === "search_articles").length).toBe(pagesBefore + 1));
    const last = fake.calls.filter((c) => c.cmd === "search_articles").at(-1)!;
    expect((last.args.query as { cursor: string }).cursor).toBe("100");
    await waitFor(() => expect(parseInt(track.style.height)).toBeGreaterThan(height));
    // Still only a window of rows in the DOM, now further down the list.
    expect(screen.getAllByTestId("article-row").length).toBeLessThan(40);
    expect(Number(list.dataset.first)).toBeGreaterThan(50);
  });

  /** 2,000 archive stories, an engine listing at most 500 matches, and a count held back
   * until `release`; searches "archive story", which matches them all, and waits for the bound. */
  async function searchBeyondTheBound() {
    const rendered = await renderApp({ bulkArticles: 2_000 });
    rendered.fake.listedMatches = 500;
    let release = () => {};
    rendered.fake.countGate = new Promise((r) => (release = r));
    await goTo(rendered.user, "articles");
    // Only Enter searches here: on a busy machine keystrokes come further apart than the
    // tests' short search pause, and "archive" alone, searched on the way, would be counted too.
    const pause = timing.searchMs;
    timing.searchMs = 60_000;
    try {
      await rendered.user.type(screen.getByTestId("search-input"), "archive story");
      await rendered.user.keyboard("{Enter}");
    } finally {
      timing.searchMs = pause;
    }
    const total = screen.getByTestId("article-total");
    await waitFor(() => expect(total).toHaveTextContent("more than 500 articles"));
    return { ...rendered, total, release };
  }

  it("shows a bound at once for a query matching very many articles, then the exact count", async () => {
    const { fake, total, release } = await searchBeyondTheBound();
    expect(screen.getAllByTestId("article-row").length).toBeGreaterThan(5);
    const counted = fake.calls.filter((c) => c.cmd === "count_articles");
    expect(counted.length).toBe(1);
    expect((counted[0].args.query as { query: string }).query).toBe("archive story");

    release();
    await waitFor(() => expect(total).toHaveTextContent("2,000 articles"));
    expect(total).not.toHaveTextContent("more than");

    // The next page's bound does not replace the count.
    const list = screen.getByTestId("article-list");
    const pagesBefore = fake.calls.filter((c) => c.cmd === "search_articles").length;
    list.scrollTop = parseInt((list.firstElementChild as HTMLElement).style.height) - 800;
    await fireEvent.scroll(list);
    await waitFor(() => expect(fake.calls.filter((c) => c.cmd === "search_articles").length).toBe(pagesBefore + 1));
    await new Promise((r) => setTimeout(r, 20));
    expect(total).toHaveTextContent("2,000 articles");
    expect(total).not.toHaveTextContent("more than");
  });

  it("does not count a query the user has already replaced", async () => {
    const { user, total, release } = await searchBeyondTheBound();
    const search = screen.getByTestId("search-input");
    await user.clear(search);
    await user.type(search, "monsoon");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(total).toHaveTextContent("1 article"));
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(total).toHaveTextContent("1 article");
  });

  it("filters starred and unread articles", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "articles");
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBe(fake.articles.length));
    await user.click(screen.getByTestId("filter-starred"));
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBe(fake.articles.filter((a) => a.starred).length));
    await user.click(screen.getByTestId("filter-starred"));
    await user.click(screen.getByTestId("filter-unread"));
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBe(fake.articles.filter((a) => !a.read).length));
  });

  it("filters by folder", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "articles");
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBe(fake.articles.length));
    await user.selectOptions(screen.getByTestId("filter-folder"), "China");
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBe(fake.articles.filter((a) => a.feeds[0].id === 4).length));
    for (const row of screen.getAllByTestId("article-row")) expect(row).toHaveTextContent("Global Times");
  });

  it("opens an article in the reader with the search terms highlighted", async () => {
    const { user } = await renderApp();
    await goTo(user, "articles");
    await user.type(screen.getByTestId("search-input"), "hotline{Enter}");
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBe(2));
    await user.click(within(screen.getAllByTestId("article-row")[0]).getAllByRole("button")[0]);
    const body = await screen.findByTestId("reader-body");
    await waitFor(() => expect(body.querySelector("mark")).not.toBeNull());
    expect(body.querySelector("mark")!.textContent!.toLowerCase()).toBe("hotline");
  });

  it("shows each article's language, filters by it, and sets Urdu right to left", async () => {
    const { user, fake } = await renderApp();
    const dawn = fake.feeds[0];
    const title = "پاکستان اور بھارت کا لائن آف کنٹرول پر جنگ بندی پر اتفاق";
    fake.articles.push({
      id: 90, feeds: [{ id: dawn.id, title: dawn.title }], url: null, title, author: null,
      snippet: "دونوں ممالک کے فوجی حکام نے ہاٹ لائن پر بات کی۔", published: new Date().toISOString(),
      fetched: new Date().toISOString(), read: false, starred: false, lang: "ur",
      guid: null, updated: null, text: "دونوں ممالک کے فوجی حکام نے ہاٹ لائن پر بات کی۔", content_html: "<p>دونوں ممالک کے فوجی حکام نے ہاٹ لائن پر بات کی۔</p>",
    });
    await goTo(user, "articles");
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBe(fake.articles.length));
    const tags = screen.getAllByTestId("lang-tag").map((t) => t.textContent);
    expect(tags.filter((t) => t === "UR").length).toBe(1);
    expect(tags.filter((t) => t === "EN").length).toBe(fake.articles.length - 1);

    await user.selectOptions(screen.getByTestId("filter-lang"), "ur");
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBe(1));
    expect(fake.calls.filter((c) => c.cmd === "search_articles").at(-1)!.args.query).toMatchObject({ lang: "ur" });
    const row = screen.getByTestId("article-row");
    expect(row).toHaveTextContent(title);
    expect(row.querySelector(".row-title")).toHaveAttribute("dir", "auto");
    expect(within(row).getByTestId("lang-tag")).toHaveAttribute("title", "Urdu");

    await user.click(within(row).getAllByRole("button")[0]);
    const reader = await screen.findByTestId("reader");
    expect(within(reader).getByTestId("lang-tag")).toHaveTextContent("UR");
    expect(screen.getByTestId("reader-title")).toHaveAttribute("dir", "auto");
    expect(screen.getByTestId("reader-body")).toHaveAttribute("lang", "ur");

    await user.selectOptions(screen.getByTestId("filter-lang"), "hi");
    await screen.findByTestId("articles-empty");
    await user.selectOptions(screen.getByTestId("filter-lang"), "");
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBe(fake.articles.length));
  });
});

describe("Articles view grouped by story", () => {
  it("shows one row per story with its first outlet's headline and outlets, expanding to the others", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "articles");
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBeGreaterThan(3));
    const listed = screen.getAllByTestId("article-row").map((r) => Number(r.getAttribute("data-article-id")));
    // Three listed articles of three outlets report one event; the oldest outlet was first.
    const members = listed
      .map((id) => fake.articles.find((a) => a.id === id)!)
      .filter((a) => !fake.stories.some((st) => st.articles.some((x) => x.id === a.id)))
      .filter((a, i, all) => all.findIndex((b) => b.feeds[0]?.title === a.feeds[0]?.title) === i)
      .slice(0, 3);
    expect(members.length).toBe(3);
    const oldest = [...members].reverse();
    fake.stories.push({
      id: 777,
      title: oldest[0].title,
      first_seen: oldest[0].published ?? oldest[0].fetched,
      last_update: members[0].published ?? members[0].fetched,
      outlets: oldest.map((a) => a.feeds[0].title),
      articles: oldest.map((a) => ({ id: a.id, link: a.url, title: a.title, feed: a.feeds[0].title, published: a.published, seen: a.published ?? a.fetched })),
    });

    await user.click(screen.getByTestId("group-by-story"));
    await waitFor(() => expect(screen.getAllByTestId("story-group").length).toBe(listed.length - 2));
    const group = screen.getAllByTestId("story-group").find((g) => within(g).getByTestId("story-group-title").textContent === oldest[0].title)!;
    expect(fake.calls.some((c) => c.cmd === "article_stories")).toBe(true);
    expect(within(group).getByTestId("story-group-title")).toHaveTextContent(oldest[0].title);
    expect(within(group).getByTestId("story-group-outlets")).toHaveTextContent(`3 outlets · ${oldest[0].feeds[0].title} first`);
    const others = new Set(fake.stories.filter((st) => st.id !== 777).flatMap((st) => st.articles.map((x) => x.id)));
    const multi = fake.stories.filter((st) => st.id !== 777 && st.articles.some((x) => listed.includes(x.id))).length;
    expect(others.size).toBeGreaterThan(0);
    expect(screen.getAllByTestId("story-group-expand").length).toBe(1 + multi);

    await user.click(within(group).getByTestId("story-group-expand"));
    const outlets = await within(group).findAllByTestId("story-outlet");
    expect(outlets.map((o) => o.textContent)).toEqual(
      oldest.filter((a) => a.id !== members[0].id).map((a) => expect.stringContaining(a.feeds[0].title)),
    );

    // The row opens its newest listed article in the reader.
    await user.click(within(group).getByTestId("story-group-title"));
    await waitFor(() => expect(fake.calls.some((c) => c.cmd === "get_article" && c.args.id === members[0].id)).toBe(true));

    // And back to one row per article.
    await user.click(screen.getByTestId("group-by-story"));
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBe(listed.length));
    expect(screen.queryByTestId("story-groups")).toBeNull();
  });
});

describe("Articles view after a refresh", () => {
  const selectedId = () => document.querySelector("[data-testid='article-row'][aria-current='true']")?.getAttribute("data-article-id");

  it("takes in the articles a poll stored, keeping the selection and the rows in view", async () => {
    const { user, fake, app } = await renderApp({ bulkArticles: 300 });
    await goTo(user, "articles");
    const total = fake.articles.length;
    await waitFor(() => expect(screen.getByTestId("article-total")).toHaveTextContent(`${total} articles`));
    for (let i = 0; i < 12; i++) app.nav!.next();
    await waitFor(() => expect(selectedId()).toBe(String(fake.articles[12].id)));
    const chosen = selectedId();
    const list = screen.getByTestId("article-list");
    list.scrollTop = 700;
    await fireEvent.scroll(list);

    fake.nextPoll = { titles: ["Talks resume in Doha", "Envoys arrive in Doha"], announce: true };
    await user.click(screen.getByTestId("refresh-all"));
    await waitFor(() => expect(screen.getByTestId("article-total")).toHaveTextContent(`${total + 2} articles`));
    expect(selectedId(), "the same article stays selected").toBe(chosen);
    expect(list.scrollTop, "the rows in view stay where they were").toBe(700 + 2 * 100);
    list.scrollTop = 0;
    await fireEvent.scroll(list);
    const rows = screen.getAllByTestId("article-row");
    expect(rows[0]).toHaveTextContent("Talks resume in Doha");
    expect(rows[1]).toHaveTextContent("Envoys arrive in Doha");
  });

  it("shows what Refresh all stored at the top even when the poll's end came unannounced", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "articles");
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBe(fake.articles.length));
    const searches = fake.calls.filter((c) => c.cmd === "search_articles").length;
    fake.nextPoll = { titles: ["Flood warning for the Indus delta"], announce: false };
    await user.click(screen.getByTestId("refresh-all"));
    await waitFor(() => expect(screen.getAllByTestId("article-row")[0]).toHaveTextContent("Flood warning for the Indus delta"));
    expect(screen.getByTestId("view-articles"), "the view stayed open").toBeInTheDocument();
    expect(fake.calls.filter((c) => c.cmd === "search_articles").length, "one search for the new articles").toBe(searches + 1);
  });
});
