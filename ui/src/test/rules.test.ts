import { screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { goTo, renderApp } from "./render";

describe("Rules view", () => {
  it("lists rules with their alert counts", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "rules");
    const rows = screen.getAllByTestId("rule-row");
    expect(rows.length).toBe(2);
    const n = fake.alerts.filter((a) => a.rule_id === 1).length;
    expect(within(rows[0]).getByTestId("rule-alert-count")).toHaveTextContent(`${n} alerts`);
  });

  it("tells when a stored rule no longer parses and so matches nothing", async () => {
    const { user, fake } = await renderApp();
    fake.rules[1].problem = { message: "this parenthesis is never closed", start: 0, end: 1 };
    await fake.emit({ type: "rules_changed" });
    await goTo(user, "rules");
    const rows = screen.getAllByTestId("rule-row");
    await waitFor(() => expect(within(rows[1]).getByTestId("rule-problem")).toHaveTextContent("never closed"));
    expect(within(rows[0]).queryByTestId("rule-problem")).toBeNull();
  });

  it("validates the query as it is typed, underlines the problem and keeps save disabled", async () => {
    const { user } = await renderApp();
    await goTo(user, "rules");
    await user.click(screen.getByTestId("new-rule"));
    await user.type(screen.getByTestId("rule-name-input"), "Kashmir talks");
    const query = screen.getByTestId("rule-query-input");
    const save = screen.getByTestId("rule-save");
    expect(save).toBeDisabled();

    await user.type(query, "ceasefire AND (Kashmir OR talks");
    const error = await screen.findByTestId("query-error");
    expect(error).toHaveTextContent("never closed");
    expect(screen.getByTestId("query-error-span")).toHaveTextContent("(");
    expect(save).toBeDisabled();

    await user.type(query, ")");
    await waitFor(() => expect(screen.queryByTestId("query-error")).toBeNull());
    await waitFor(() => expect(save).toBeEnabled());
  });

  it("previews how many articles the rule would have matched in the last 30 days, with highlighted samples", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "rules");
    await user.click(screen.getByTestId("new-rule"));
    await user.type(screen.getByTestId("rule-query-input"), "ceasefire");
    const count = await screen.findByTestId("rule-preview-count");
    const expected = fake.articles.filter((a) => /ceasefire/i.test(a.title + " " + a.text)).length;
    expect(count).toHaveTextContent(`Would have matched ${expected} articles in the last 30 days`);
    const samples = screen.getAllByTestId("rule-preview-sample");
    expect(samples.length).toBe(Math.min(5, expected));
    expect(samples[0].querySelector("mark")!.textContent!.toLowerCase()).toBe("ceasefire");
    const call = fake.calls.filter((c) => c.cmd === "test_rule").at(-1)!;
    expect(call.args).toEqual({ query: "ceasefire", scope: { folders: [], feeds: [] }, days: 30 });
  });

  it("narrowing the scope re-runs the preview", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "rules");
    await user.click(screen.getByTestId("new-rule"));
    await user.type(screen.getByTestId("rule-query-input"), "ceasefire");
    await screen.findByTestId("rule-preview-count");
    const folder = screen.getAllByTestId("scope-folder").find((c) => c.parentElement?.textContent?.includes("Pakistan"))!;
    await user.click(folder);
    await waitFor(() => {
      const call = fake.calls.filter((c) => c.cmd === "test_rule").at(-1)!;
      expect(call.args.scope).toEqual({ folders: ["Pakistan"], feeds: [] });
    });
    await waitFor(() => expect(screen.getByTestId("rule-preview-count")).toHaveTextContent("Would have matched 1 article "));
  });

  it("creates a rule that then appears in the list and in the alert chips", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "rules");
    await user.click(screen.getByTestId("new-rule"));
    await user.type(screen.getByTestId("rule-name-input"), "LoC");
    await user.type(screen.getByTestId("rule-query-input"), '"line of control"');
    await user.click(screen.getByTestId("rule-muted"));
    await waitFor(() => expect(screen.getByTestId("rule-save")).toBeEnabled());
    await user.click(screen.getByTestId("rule-save"));
    await waitFor(() => expect(screen.getAllByTestId("rule-row").length).toBe(3));
    const saved = fake.rules.at(-1)!;
    expect(saved).toMatchObject({ name: "LoC", query: '"line of control"', muted: true, notify: true });
    await goTo(user, "alerts");
    expect(screen.getByTestId(`rule-chip-${saved.id}`)).toHaveTextContent("LoC");
  });

  it("edits an existing rule", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "rules");
    await user.click(within(screen.getAllByTestId("rule-row")[1]).getByTestId("rule-edit"));
    const name = screen.getByTestId("rule-name-input");
    expect(name).toHaveValue("China on India–Pakistan");
    await user.clear(name);
    await user.type(name, "Beijing's view");
    await waitFor(() => expect(screen.getByTestId("rule-save")).toBeEnabled());
    await user.click(screen.getByTestId("rule-save"));
    await waitFor(() => expect(fake.rules.find((r) => r.id === 2)!.name).toBe("Beijing's view"));
    expect(fake.calls.find((c) => c.cmd === "update_rule")!.args.id).toBe(2);
  });

  it("sets, shows and turns off notifying again when a story reaches N outlets", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "rules");
    await user.click(within(screen.getAllByTestId("rule-row")[0]).getByTestId("rule-edit"));
    const again = screen.getByTestId("rule-renotify");
    const outlets = screen.getByTestId("rule-renotify-outlets");
    expect(again).not.toBeChecked();
    expect(outlets).toBeDisabled();
    await user.click(again);
    expect(outlets).toBeEnabled();
    await user.clear(outlets);
    await user.type(outlets, "12");
    await waitFor(() => expect(screen.getByTestId("rule-save")).toBeEnabled());
    await user.click(screen.getByTestId("rule-save"));
    await waitFor(() => expect(fake.rules.find((r) => r.id === 1)!.renotify_outlets).toBe(12));
    const call = fake.calls.filter((c) => c.cmd === "update_rule").at(-1)!;
    expect((call.args.draft as { renotify_outlets: number | null }).renotify_outlets).toBe(12);
    await waitFor(() => expect(within(screen.getAllByTestId("rule-row")[0]).getByTestId("rule-renotify-tag")).toHaveTextContent("again at 12 outlets"));

    await user.click(within(screen.getAllByTestId("rule-row")[0]).getByTestId("rule-edit"));
    expect(screen.getByTestId("rule-renotify")).toBeChecked();
    expect(screen.getByTestId("rule-renotify-outlets")).toHaveValue(12);
    await user.click(screen.getByTestId("rule-renotify"));
    await waitFor(() => expect(screen.getByTestId("rule-save")).toBeEnabled());
    await user.click(screen.getByTestId("rule-save"));
    await waitFor(() => expect(fake.rules.find((r) => r.id === 1)!.renotify_outlets).toBeNull());
    expect(within(screen.getAllByTestId("rule-row")[0]).queryByTestId("rule-renotify-tag")).toBeNull();
  });

  it("a rule without notifications cannot notify again", async () => {
    const { user } = await renderApp();
    await goTo(user, "rules");
    await user.click(within(screen.getAllByTestId("rule-row")[1]).getByTestId("rule-edit"));
    expect(screen.getByTestId("rule-notify")).not.toBeChecked();
    expect(screen.getByTestId("rule-renotify")).toBeDisabled();
  });

  it("removes a rule after confirmation", async () => {
    const { user, fake } = await renderApp();
    await goTo(user, "rules");
    const row = screen.getAllByTestId("rule-row")[1];
    await user.click(within(row).getByTestId("rule-remove"));
    await user.click(within(row).getByTestId("rule-remove-confirm"));
    await waitFor(() => expect(screen.getAllByTestId("rule-row").length).toBe(1));
    expect(fake.rules.map((r) => r.id)).toEqual([1]);
  });
});
