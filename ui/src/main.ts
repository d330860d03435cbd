// First: the language tag must be usable before any module formats with it (see language.ts).
import "./lib/language";
import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";

const target = document.getElementById("app");
if (!target) throw new Error("missing #app");

export default mount(App, { target });
