// Renders the whole app against the fake engine, as the desktop window would show it.

import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { expect } from "vitest";
import App from "../App.svelte";
import { AppState } from "../lib/state.svelte";
import { installFakeBackend, type FakeOptions } from "./fakeBackend";

export async function renderApp(opts: FakeOptions = {}) {
  const fake = installFakeBackend(opts);
  const app = new AppState();
  const user = userEvent.setup();
  const result = render(App, { props: { app } });
  await waitFor(() => expect(app.loaded).toBe(true));
  // Engine events emitted by a test must reach the app.
  await waitFor(() => expect(app.connected).toBe(true));
  return { fake, app, user, ...result };
}

export async function goTo(user: ReturnType<typeof userEvent.setup>, view: "alerts" | "articles" | "trends" | "feeds" | "rules" | "settings") {
  await user.click(screen.getByTestId(`nav-${view}`));
  await waitFor(() => expect(screen.getByTestId(`view-${view}`)).toBeInTheDocument());
}
