import "@testing-library/jest-dom/vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup } from "@testing-library/svelte";
import { afterEach, beforeEach } from "vitest";
import { timing } from "../lib/timing";

beforeEach(() => {
  timing.validateMs = 5;
  timing.previewMs = 5;
  timing.searchMs = 5;
  timing.freshMs = 50;
});

afterEach(() => {
  cleanup();
  clearMocks();
});
