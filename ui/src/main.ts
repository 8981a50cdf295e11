import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import Help from "./features/help/Help.svelte";
import { reportPainted } from "./lib/ipc";
import { applyLanguage, followLanguage, rememberedLanguage } from "./lib/language";

const target = document.getElementById("app");
if (!target) throw new Error("no #app element");
// The Help window (`open_help`) shows only the guide: it signs nobody in and calls no command.
const help = location.hash === "#help";
// The app's language before anything is drawn (the sign-in form too): the setting, else the
// system's. The Help window shows the guide in that language too, and follows a change made in
// the main window.
if (help) followLanguage();
else applyLanguage(rememberedLanguage(), false);
export default help ? mount(Help, { target }) : mount(App, { target });

// Start-up is over when the first conversation row has been painted: it is in the DOM, and two
// animation frames later the compositor has shown it.
const painted = new MutationObserver(() => {
  if (!target.querySelector("[data-testid=conversation]")) return;
  painted.disconnect();
  requestAnimationFrame(() => requestAnimationFrame(reportPainted));
});
painted.observe(target, { childList: true, subtree: true });
