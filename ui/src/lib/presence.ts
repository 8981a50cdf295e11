// Words and colours for presence, shared by the sidebar, the status menu and the details column.
import type { Presence, PresenceChoice, PresenceStatus } from "./bindings";
import { formatDateTime } from "./format";
import { accountWords, words } from "./i18n";

/** A status one can choose, named in the user's language (read when drawn). */
function choice(value: PresenceChoice): { value: PresenceChoice; readonly label: string } {
  return {
    value,
    get label() {
      return accountWords().choices[value];
    },
  };
}

/** The statuses a user can choose, in menu order. */
export const CHOICES: { value: PresenceChoice; readonly label: string }[] = [choice("available"), choice("away"), choice("dnd"), choice("offline")];

/** How a chosen status shows to others. */
export function choiceStatus(choice: PresenceChoice): PresenceStatus {
  return choice === "available" ? "online" : choice;
}

/** The status a presence stands for, as a person reads it. */
export function statusLabel(status: PresenceStatus): string {
  return words().status[status];
}

/** One line about someone's presence: "Away (idle)", "Offline · last seen Jan 3, 10:04 AM". */
export function describePresence(p: Presence | undefined): string {
  if (!p) return statusLabel("offline");
  const w = accountWords();
  const text = statusLabel(p.status);
  if (p.status === "away" && p.idle) return w.idle(text);
  if (p.status === "offline" && p.last_seen !== null) return w.lastSeen(text, formatDateTime(p.last_seen));
  return text;
}

/** The first few words of a message, for the ribbon and announcements. */
export function firstWords(text: string, words = 8, chars = 60): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const parts = flat.split(" ");
  let out = parts.slice(0, words).join(" ");
  if (out.length > chars) out = out.slice(0, chars).trimEnd();
  return out.length < flat.length ? `${out}…` : out;
}
