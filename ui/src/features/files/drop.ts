// Files dropped on the open conversation are shared in it. Two routes: a page's drag and drop
// (HTML, `File`s: the browser, and a file dragged from another page), and the desktop's own
// (paths: in the app the webview's native drag and drop takes files from the system and never
// hands them to the page). `onover` says whether files are being dragged over the element, for
// its drop hint.
import type { ActionReturn } from "svelte/action";
import { ipc } from "../../lib/ipc";
import { uploads } from "./uploads.svelte";

export type DropTarget = {
  /** The conversation dropped files go to (none open: nothing is taken). */
  conversation: number | null;
  onover: (over: boolean) => void;
};

/** True when a drag carries files (not text or a link dragged within the page). */
function carriesFiles(e: DragEvent): boolean {
  return [...(e.dataTransfer?.types ?? [])].includes("Files");
}

/** Whether a point of the window is over `node`. Without layout (a test DOM) every point is. */
function inside(node: HTMLElement, x: number, y: number): boolean {
  const r = node.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return true;
  return x >= r.left && x < r.right && y >= r.top && y < r.bottom;
}

export function fileDrop(node: HTMLElement, target: DropTarget): ActionReturn<DropTarget> {
  let current = target;
  let shown = false;
  const show = (over: boolean) => {
    if (over === shown) return;
    shown = over;
    current.onover(over);
  };

  const enter = (e: DragEvent) => {
    if (current.conversation === null || !carriesFiles(e)) return;
    // Taking the drag over: without this the browser opens the file instead.
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
    show(true);
  };
  const leave = (e: DragEvent) => {
    // Leaving for one of its own children is not leaving.
    if (e.relatedTarget instanceof Node && node.contains(e.relatedTarget)) return;
    show(false);
  };
  const drop = (e: DragEvent) => {
    if (current.conversation === null || !carriesFiles(e)) return;
    e.preventDefault();
    show(false);
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length > 0) uploads.sendFiles(current.conversation, files);
  };
  // Files dropped elsewhere in the page are not taken, and the browser must not open them in
  // the app's place either.
  const elsewhere = (e: DragEvent) => {
    if (!carriesFiles(e) || e.defaultPrevented) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "none";
  };
  node.addEventListener("dragenter", enter);
  node.addEventListener("dragover", enter);
  node.addEventListener("dragleave", leave);
  node.addEventListener("drop", drop);
  window.addEventListener("dragover", elsewhere);
  window.addEventListener("drop", elsewhere);

  // The desktop's drag and drop: the whole window hears it, this element takes what is over it.
  let stop: (() => void) | null = null;
  let gone = false;
  ipc()
    .onFileDrag((d) => {
      const c = current.conversation;
      if (d.type === "leave") return show(false);
      const over = c !== null && inside(node, d.x, d.y);
      if (d.type !== "drop") return show(over);
      show(false);
      if (over && d.paths.length > 0) uploads.sendPaths(c, d.paths);
    })
    .then((unlisten) => {
      if (gone) unlisten();
      else stop = unlisten;
    })
    .catch((e: unknown) => console.warn("no drag and drop from the system:", e));

  return {
    update(next) {
      current = next;
      if (next.conversation === null) show(false);
    },
    destroy() {
      gone = true;
      stop?.();
      node.removeEventListener("dragenter", enter);
      node.removeEventListener("dragover", enter);
      node.removeEventListener("dragleave", leave);
      node.removeEventListener("drop", drop);
      window.removeEventListener("dragover", elsewhere);
      window.removeEventListener("drop", elsewhere);
    },
  };
}
