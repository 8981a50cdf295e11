// Component tests: unmount what a test rendered, and forget the theme it set.
import { cleanup } from "@testing-library/svelte";
import { afterEach } from "vitest";

// jsdom's Blob (and so File) lacks arrayBuffer(), which browsers have: read through its
// FileReader instead.
if (typeof Blob.prototype.arrayBuffer !== "function") {
  Blob.prototype.arrayBuffer = function (this: Blob): Promise<ArrayBuffer> {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result as ArrayBuffer);
      reader.onerror = () => reject(reader.error);
      reader.readAsArrayBuffer(this);
    });
  };
}

afterEach(() => {
  cleanup();
  delete document.documentElement.dataset.theme;
  localStorage.clear();
});
