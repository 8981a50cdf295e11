import type { TickState } from "./bindings";
import { timelineWords } from "./i18n";

/** How a message's ticks are drawn: how many, whether blue, and what a screen reader says. */
export function ticks(state: TickState): { count: 0 | 1 | 2; read: boolean; label: string } {
  switch (state) {
    case "pending":
      return { count: 0, read: false, label: timelineWords().ticks.pending };
    case "sent":
      return { count: 1, read: false, label: timelineWords().ticks.sent };
    case "delivered":
      return { count: 2, read: false, label: timelineWords().ticks.delivered };
    case "read":
      return { count: 2, read: true, label: timelineWords().ticks.read };
  }
}

/** "(N) Confer" while there are unread messages. */
export function windowTitle(unread: number): string {
  return unread > 0 ? `(${unread}) Confer` : "Confer";
}

/** The other member of a direct conversation (or the first member). */
export function peerOf(members: string[], me: string): string {
  return members.find((m) => m !== me) ?? members[0] ?? "";
}

/** Up to two initials for an avatar. */
export function initials(name: string): string {
  const parts = name.split(/[\s._-]+/).filter(Boolean);
  return parts
    .slice(0, 2)
    .map((p) => p[0]?.toUpperCase() ?? "")
    .join("");
}
