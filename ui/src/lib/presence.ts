// Words and colours for presence, shared by the sidebar, the status menu and the details column.
import type { Presence, PresenceChoice, PresenceStatus } from "./bindings";
import { words } from "./i18n";

/** The statuses a user can choose, in menu order. */
export const CHOICES: { value: PresenceChoice; label: string }[] = [
  { value: "available", label: "Available" },
  { value: "away", label: "Away" },
  { value: "dnd", label: "Do not disturb" },
  { value: "offline", label: "Appear offline" },
];

/** How a chosen status shows to others. */
export function choiceStatus(choice: PresenceChoice): PresenceStatus {
  return choice === "available" ? "online" : choice;
}

/** The status a presence stands for, as a person reads it. */
export function statusLabel(status: PresenceStatus): string {
  return words().status[status];
}

/** One line about someone's presence: "Away (idle)", "Offline · last seen 3 Jan, 10:04". */
export function describePresence(p: Presence | undefined): string {
  if (!p) return "Offline";
  let text = statusLabel(p.status);
  if (p.status === "away" && p.idle) text += " (idle)";
  if (p.status === "offline" && p.last_seen !== null) {
    const when = new Date(p.last_seen).toLocaleString([], {
      day: "numeric",
      month: "short",
      hour: "2-digit",
      minute: "2-digit",
    });
    text += ` · last seen ${when}`;
  }
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
