import { screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderApp } from "./render";

const rows = () => screen.getAllByTestId("alert-row");

describe("Alerts view", () => {
  it("opens on the alerts inbox, newest first, with the matched terms highlighted", async () => {
    const { fake } = await renderApp();
    await waitFor(() => expect(rows().length).toBe(fake.alerts.length));
    expect(screen.getByTestId("view-alerts")).toBeInTheDocument();
    const ids = rows().map((r) => Number(r.dataset.alertId));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const title = within(rows()[0]).getByTestId("alert-title");
    const marks = Array.from(title.querySelectorAll("mark")).map((m) => m.textContent?.toLowerCase());
    expect(marks).toContain("ceasefire");
    // Titles are text, never parsed HTML.
    expect(title.querySelector("script, img")).toBeNull();
  });

  it("prepends an alert that arrives live, without reloading the list", async () => {
    const { fake } = await renderApp();
    await waitFor(() => expect(rows().length).toBe(fake.alerts.length));
    const before = rows().length;
    const listCalls = fake.calls.filter((c) => c.cmd === "list_alerts").length;
    const badgeBefore = Number(screen.getByTestId("unread-badge").textContent?.replace(/\D/g, ""));

    const alert = await fake.pushAlert(1, "Pakistan and India extend ceasefire by a month");

    await waitFor(() => expect(rows().length).toBe(before + 1));
    expect(rows()[0].dataset.alertId).toBe(String(alert.id));
    expect(rows()[0]).toHaveTextContent("extend ceasefire by a month");
    expect(rows()[0].className).toContain("fresh");
    expect(fake.calls.filter((c) => c.cmd === "list_alerts").length).toBe(listCalls);
    expect(Number(screen.getByTestId("unread-badge").textContent?.replace(/\D/g, ""))).toBe(badgeBefore + 1);
    expect(screen.getByTestId("live-region")).toHaveTextContent("extend ceasefire by a month");
  });

  it("reads the list again when a poll raised more alerts than arrived live", async () => {
    const { fake } = await renderApp();
    await waitFor(() => expect(rows().length).toBe(fake.alerts.length));
    const before = rows().length;
    const listCalls = fake.calls.filter((c) => c.cmd === "list_alerts").length;

    await fake.pushBurst(1, 6, 2);

    await waitFor(() => expect(rows().length).toBe(before + 6));
    expect(fake.calls.filter((c) => c.cmd === "list_alerts").length).toBe(listCalls + 1);
    const shown = rows().map((r) => Number(r.dataset.alertId));
    expect(shown.slice(0, 6)).toEqual(fake.alerts.slice(0, 6).map((a) => a.id));
    await waitFor(() =>
      expect(screen.getByTestId("unread-badge")).toHaveTextContent(String(fake.alerts.filter((a) => !a.read).length)),
    );
  });

  it("marking an alert read lowers the unread badge, and unread raises it again", async () => {
    const { fake, user } = await renderApp();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    const unread = fake.alerts.filter((a) => !a.read).length;
    expect(screen.getByTestId("unread-badge")).toHaveTextContent(String(unread));

    const row = rows().find((r) => r.dataset.read === "false")!;
    await user.click(within(row).getByTestId("read-toggle"));
    await waitFor(() => expect(screen.getByTestId("unread-badge")).toHaveTextContent(String(unread - 1)));
    expect(fake.alerts.find((a) => a.id === Number(row.dataset.alertId))!.read).toBe(true);

    await user.click(within(row).getByTestId("read-toggle"));
    await waitFor(() => expect(screen.getByTestId("unread-badge")).toHaveTextContent(String(unread)));
  });

  it("mark all read clears every unread badge", async () => {
    const { fake, user } = await renderApp();
    await waitFor(() => expect(screen.getByTestId("unread-badge")).toBeInTheDocument());
    await user.click(screen.getByTestId("mark-all-read"));
    await waitFor(() => expect(screen.queryByTestId("unread-badge")).toBeNull());
    expect(fake.alerts.every((a) => a.read)).toBe(true);
    expect(rows().every((r) => r.dataset.read === "true")).toBe(true);
  });

  it("stars and unstars the alert's article", async () => {
    const { fake, user } = await renderApp();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    const row = rows()[0];
    const id = fake.alerts.find((a) => a.id === Number(row.dataset.alertId))!.article.id;
    const star = within(row).getByTestId("star-button");
    expect(star).toHaveAttribute("aria-pressed", "false");
    await user.click(star);
    await waitFor(() => expect(star).toHaveAttribute("aria-pressed", "true"));
    expect(fake.articles.find((a) => a.id === id)!.starred).toBe(true);
    await user.click(star);
    await waitFor(() => expect(star).toHaveAttribute("aria-pressed", "false"));
    expect(fake.articles.find((a) => a.id === id)!.starred).toBe(false);
  });

  it("filters by rule with the chips, each showing its unread count", async () => {
    const { fake, user } = await renderApp();
    await waitFor(() => expect(rows().length).toBe(fake.alerts.length));
    const china = fake.alerts.filter((a) => a.rule_id === 2);
    expect(screen.getByTestId("rule-chip-2")).toHaveTextContent(String(china.filter((a) => !a.read).length));
    await user.click(screen.getByTestId("rule-chip-2"));
    await waitFor(() => expect(rows().length).toBe(china.length));
    expect(rows().every((r) => r.textContent?.includes("China on India–Pakistan"))).toBe(true);
    // An alert for another rule does not land in the filtered list.
    await fake.pushAlert(1, "Ceasefire holds along LoC, India says");
    await new Promise((r) => setTimeout(r, 20));
    expect(rows().length).toBe(china.length);
  });

  describe("with a rule chosen in the sidebar", () => {
    const scrolled: string[] = [];
    const original = Element.prototype.scrollIntoView;
    afterEach(() => {
      Element.prototype.scrollIntoView = original;
    });

    it("brings its chip into view in the strip of chips", async () => {
      Element.prototype.scrollIntoView = vi.fn(function (this: Element) {
        scrolled.push((this as HTMLElement).dataset.testid ?? "");
      });
      const { fake, user } = await renderApp();
      await waitFor(() => expect(rows().length).toBe(fake.alerts.length));
      scrolled.length = 0;
      await user.click(screen.getByTestId("sidebar-rule-2"));
      await waitFor(() => expect(scrolled).toContain("rule-chip-2"));
      expect(screen.getByTestId("rule-chip-2")).toHaveAttribute("aria-pressed", "true");
      expect(within(screen.getByTestId("rule-chips")).getAllByRole("button").length).toBe(fake.rules.length + 1);
    });
  });

  it("opens an alert in the reader, marking it read", async () => {
    const { fake, user } = await renderApp();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    const row = rows().find((r) => r.dataset.read === "false")!;
    await user.click(within(row).getByRole("button", { name: /ceasefire|china/i }));
    const reader = await screen.findByTestId("reader");
    await waitFor(() => expect(within(reader).getByTestId("reader-body").textContent).not.toBe(""));
    expect(row.dataset.read).toBe("true");
    expect(fake.alerts.find((a) => a.id === Number(row.dataset.alertId))!.read).toBe(true);
  });

  it("shows the alert a notification points at", async () => {
    const { fake } = await renderApp();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    const target = fake.alerts[2];
    await fake.focusAlert(target.id);
    const reader = await screen.findByTestId("reader");
    await waitFor(() => expect(within(reader).getByTestId("reader-title")).toHaveTextContent(target.article.title));
    const row = rows().find((r) => r.dataset.alertId === String(target.id))!;
    expect(row).toHaveAttribute("aria-current", "true");
  });
  it("writes large counts with digit grouping in the header, the rule chips and the sidebar", async () => {
    const { fake } = await renderApp();
    await waitFor(() => expect(rows().length).toBe(fake.alerts.length));

    await fake.pushBurst(1, 1500, 0);

    const unread = fake.alerts.filter((a) => !a.read).length;
    const ofRule = fake.alerts.filter((a) => !a.read && a.rule_id === 1).length;
    expect(unread).toBeGreaterThanOrEqual(1000);
    const grouped = (n: number) => new RegExp(`(^|\\D)${Math.floor(n / 1000)}\\D${String(n % 1000).padStart(3, "0")}(\\D|$)`);
    await waitFor(() => expect(screen.getByTestId("alerts-unread-count").textContent).toMatch(grouped(unread)));
    expect(screen.getByTestId("rule-chip-all").textContent).toMatch(grouped(unread));
    expect(screen.getByTestId("rule-chip-1").textContent).toMatch(grouped(ofRule));
    expect(screen.getByTestId("unread-badge").textContent).toMatch(grouped(unread));
    expect(screen.getByRole("navigation", { name: "Views" }).textContent).toMatch(grouped(ofRule));
  });
});
