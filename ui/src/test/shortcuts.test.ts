import { screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { goTo, renderApp } from "./render";

const selectedAlert = () => screen.getAllByTestId("alert-row").findIndex((r) => r.getAttribute("aria-current") === "true");

describe("Keyboard shortcuts", () => {
  it("j and k move through the alerts, o opens, s stars, m toggles read", async () => {
    const { user, fake } = await renderApp();
    await waitFor(() => expect(screen.getAllByTestId("alert-row").length).toBeGreaterThan(3));
    expect(selectedAlert()).toBe(0);
    await user.keyboard("j");
    expect(selectedAlert()).toBe(1);
    await user.keyboard("jj");
    expect(selectedAlert()).toBe(3);
    await user.keyboard("k");
    expect(selectedAlert()).toBe(2);

    const row = screen.getAllByTestId("alert-row")[2];
    const alert = fake.alerts.find((a) => a.id === Number(row.dataset.alertId))!;
    await user.keyboard("o");
    await waitFor(() => expect(screen.getByTestId("reader-title")).toHaveTextContent(alert.article.title));

    const wasStarred = alert.article.starred;
    await user.keyboard("s");
    await waitFor(() => expect(fake.articles.find((a) => a.id === alert.article.id)!.starred).toBe(!wasStarred));
    expect(screen.getByTestId("reader-star")).toHaveAttribute("aria-pressed", String(!wasStarred));

    expect(row.dataset.read).toBe("true");
    await user.keyboard("m");
    await waitFor(() => expect(row.dataset.read).toBe("false"));
    expect(fake.alerts.find((a) => a.id === alert.id)!.read).toBe(false);

    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("reader")).toBeNull());
  });

  it("j/k work in the articles list too", async () => {
    const { user } = await renderApp();
    await goTo(user, "articles");
    await waitFor(() => expect(screen.getAllByTestId("article-row").length).toBeGreaterThan(2));
    const selected = () => screen.getAllByTestId("article-row").findIndex((r) => r.getAttribute("aria-current") === "true");
    (document.activeElement as HTMLElement)?.blur();
    await user.keyboard("jj");
    expect(selected()).toBe(2);
    await user.keyboard("o");
    expect(await screen.findByTestId("reader")).toBeInTheDocument();
  });

  it("/ focuses the article search from any view, and typing there does not trigger shortcuts", async () => {
    const { user, fake } = await renderApp();
    await waitFor(() => expect(screen.getAllByTestId("alert-row").length).toBeGreaterThan(0));
    await user.keyboard("/");
    await waitFor(() => expect(screen.getByTestId("search-input")).toHaveFocus());
    const stars = fake.calls.filter((c) => c.cmd === "set_article_starred").length;
    await user.keyboard("sjk");
    expect(screen.getByTestId("search-input")).toHaveValue("sjk");
    expect(fake.calls.filter((c) => c.cmd === "set_article_starred").length).toBe(stars);
  });

  it("? shows the shortcuts and Escape closes them", async () => {
    const { user } = await renderApp();
    await user.keyboard("?");
    const help = await screen.findByTestId("shortcuts-help");
    expect(help).toHaveTextContent("Next / previous item");
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByTestId("shortcuts-help")).toBeNull());
  });

  it("g then f, r, a switch views", async () => {
    const { user } = await renderApp();
    await user.keyboard("gf");
    expect(screen.getByTestId("view-feeds")).toBeInTheDocument();
    await user.keyboard("gr");
    expect(screen.getByTestId("view-rules")).toBeInTheDocument();
    await user.keyboard("ga");
    expect(screen.getByTestId("view-alerts")).toBeInTheDocument();
  });
});
