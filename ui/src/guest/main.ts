// The guest page (guest.html), served by the server at /join/TOKEN: an external guest joins the
// room's meeting from a browser, without the app or an account. It speaks the app's JSON
// protocol on the server's own WebSocket, in French for a browser in French, else in English.
// `?name=NAME&auto=1` fills the name and joins at once with the default microphone (for tests);
// `camera=1` ticks "Turn my camera on" (with auto=1, joins with the camera).
import { mount } from "svelte";
import { guestWords, setLocale } from "../lib/i18n";
import { GuestClient } from "./client.svelte";
import Guest from "./Guest.svelte";
import "./guest.css";
import { MeetingSound } from "./media";
import { launchOptions, socketUrl, tokenFromPath } from "./protocol";
import { pageLocale } from "./words";

const target = document.getElementById("guest");
if (!target) throw new Error("no #guest element");

const lang = pageLocale(navigator.language);
setLocale(lang);
document.documentElement.lang = lang;
document.title = guestWords(lang).pageTitle;

const token = tokenFromPath(location.pathname);
const launch = launchOptions(location.search);
const client = new GuestClient(token ?? "", {
  url: socketUrl(location),
  openSocket: (url) => new WebSocket(url),
  sound: (handlers) => new MeetingSound(handlers),
});

export default mount(Guest, { target, props: { client, token, name: launch.name, camera: launch.camera } });

if (launch.auto && token !== null) client.join(launch.name.trim(), null, launch.camera);

// Closing the tab leaves the meeting (or the lobby) at once rather than when the server notices.
addEventListener("pagehide", () => client.leave());
