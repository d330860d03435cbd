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

// The test DOM has no 2D canvas (getContext gives null), so charts drawn by uPlot in views
// that tests render (the Rules view's sparklines) would throw after the test. This stand-in
// accepts every drawing call; tests of the charts themselves replace uPlot and check what
// it was given.
const drawing: Record<string | symbol, unknown> = {
  measureText: (text: string) => ({ width: 6 * String(text).length }),
};
const context = new Proxy(drawing, {
  get: (target, name) => (name in target ? target[name] : () => undefined),
  set: (target, name, value) => {
    target[name] = value;
    return true;
  },
});
// uPlot builds its paths as Path2D objects, which the test DOM lacks too.
class Path2DStandIn {
  moveTo() {}
  lineTo() {}
  rect() {}
  arc() {}
  bezierCurveTo() {}
  quadraticCurveTo() {}
  closePath() {}
  addPath() {}
}
globalThis.Path2D ??= Path2DStandIn as unknown as typeof Path2D;
HTMLCanvasElement.prototype.getContext = function getContext() {
  return context;
} as unknown as HTMLCanvasElement["getContext"];
