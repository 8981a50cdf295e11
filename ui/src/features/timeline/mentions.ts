// @mentions, read as the server reads them (crates/server domain::messages::mentions): `@name`
// where the `@` does not follow a name character or another `@` (an e-mail address names no
// one), the name being letters, digits, '.', '_' and '-', without trailing full stops. The server
// decides who a message names (its `mentions`); the UI finds where they are in the text, and what
// the user is typing after an `@` in the message box.
const NAME_CHAR = /[A-Za-z0-9._-]/;

/** Text as names are compared: case and accents do not count. */
function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** Where a name starts and ends after each `@` that may name someone, in order. */
export function mentionSpans(text: string): { start: number; end: number; name: string }[] {
  const out: { start: number; end: number; name: string }[] = [];
  let i = 0;
  while (i < text.length) {
    const before = text[i - 1];
    if (text[i] === "@" && (i === 0 || (!NAME_CHAR.test(before) && before !== "@"))) {
      let end = i + 1;
      while (end < text.length && NAME_CHAR.test(text[end])) end++;
      let name = text.slice(i + 1, end);
      while (name.endsWith(".")) name = name.slice(0, -1);
      if (name !== "") out.push({ start: i, end: i + 1 + name.length, name });
      i = Math.max(end, i + 1);
    } else i++;
  }
  return out;
}

/** The members a text names (case aside), without the sender, each once, in order. */
export function mentionsIn(text: string, sender: string, members: readonly string[]): string[] {
  const out: string[] = [];
  for (const { name } of mentionSpans(text)) {
    const member = members.find((m) => m !== sender && m.toLowerCase() === name.toLowerCase());
    if (member && !out.includes(member)) out.push(member);
  }
  return out;
}

/** The `@word` being typed just before the caret, if any: where its `@` is and what follows it. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  let i = caret;
  while (i > 0 && NAME_CHAR.test(text[i - 1])) i--;
  if (i === 0 || text[i - 1] !== "@") return null;
  const at = i - 1;
  const before = text[at - 1];
  if (at > 0 && (NAME_CHAR.test(before) || before === "@")) return null;
  return { start: at, query: text.slice(i, caret) };
}

/** The members offered for what follows an `@`: the name or display name starting with it (case
 * and accents aside), then containing it; at most `most`. */
export function mentionCandidates(
  query: string,
  members: readonly { name: string; display: string }[],
  most = 8,
): { name: string; display: string }[] {
  const q = fold(query);
  const starts = members.filter((m) => fold(m.name).startsWith(q) || fold(m.display).split(/\s+/).some((w) => w.startsWith(q)));
  const contains = members.filter((m) => !starts.includes(m) && (fold(m.name).includes(q) || fold(m.display).includes(q)));
  return [...starts, ...contains].slice(0, most);
}
