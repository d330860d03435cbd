// `npm run dev`, then open /demo.html: the UI against the in-memory fake engine, for working on
// the frontend without the desktop shell. Not part of the production build.
import { mount } from "svelte";
import App from "./App.svelte";
import { AppState, type View } from "./lib/state.svelte";
import "./app.css";
import { installFakeBackend } from "./test/fakeBackend";

const params = new URLSearchParams(location.search);
const fake = installFakeBackend({ firstRun: params.has("first-run"), bulkArticles: Number(params.get("bulk") ?? 2000) });

const app = new AppState();
app.view = (params.get("view") as View | null) ?? "alerts";
mount(App, { target: document.getElementById("app")!, props: { app } });

// A new alert now and then, as a running engine would raise them.
setInterval(() => {
  void fake.pushAlert(1, `Ceasefire update from Islamabad and New Delhi at ${new Date().toLocaleTimeString()}`);
}, 45_000);
