import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import FilePreview from "./features/files/FilePreview.svelte";
import Help from "./features/help/Help.svelte";
import { reportPainted } from "./lib/ipc";
import { applyLanguage, followLanguage, rememberedLanguage } from "./lib/language";
import { applyTheme, rememberedTheme } from "./lib/theme";

const target = document.getElementById("app");
if (!target) throw new Error("no #app element");
// The Help window (`open_help`) shows only the guide: it signs nobody in and calls no command.
const help = location.hash === "#help";
// A preview window (`open_preview`): one shared file of a conversation, `#preview=<id>:<file>`.
const preview = /^#preview=(\d+):([0-9a-f]+)$/.exec(location.hash);
// The app's language before anything is drawn (the sign-in form too): the setting, else the
// system's. The Help and preview windows speak it too, and follow a change made in the main
// window; a preview window wears the main window's colours as well.
if (help || preview) followLanguage();
else applyLanguage(rememberedLanguage(), false);
if (preview) applyTheme(rememberedTheme());
export default preview
  ? mount(FilePreview, { target, props: { conversation: Number(preview[1]), file: preview[2] } })
  : help
    ? mount(Help, { target })
    : mount(App, { target });

// Start-up is over when the first conversation row has been painted: it is in the DOM, and two
// animation frames later the compositor has shown it.
const painted = new MutationObserver(() => {
  if (!target.querySelector("[data-testid=conversation]")) return;
  painted.disconnect();
  requestAnimationFrame(() => requestAnimationFrame(reportPainted));
});
painted.observe(target, { childList: true, subtree: true });
