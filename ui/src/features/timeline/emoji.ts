// Emoji shortcodes: a compact table of common ones. A message keeps what was typed (":tada:");
// the timeline shows the emoji. The composer's picker offers the same set.

/** Each emoji with its shortcodes, the first being the one the picker shows. */
export const EMOJI: readonly (readonly [string, ...string[]])[] = [
  ["😄", "smile"],
  ["😀", "grinning"],
  ["😃", "smiley"],
  ["😁", "grin"],
  ["😆", "laughing", "satisfied"],
  ["😅", "sweat_smile"],
  ["😂", "joy"],
  ["🤣", "rofl"],
  ["🙂", "slightly_smiling_face"],
  ["😉", "wink"],
  ["😊", "blush"],
  ["😇", "innocent"],
  ["😍", "heart_eyes"],
  ["😘", "kissing_heart"],
  ["😋", "yum"],
  ["😜", "stuck_out_tongue_winking_eye"],
  ["🤔", "thinking"],
  ["🤗", "hugs", "hugging"],
  ["🤐", "zipper_mouth_face"],
  ["😐", "neutral_face"],
  ["🙄", "roll_eyes"],
  ["😏", "smirk"],
  ["😬", "grimacing"],
  ["😌", "relieved"],
  ["😴", "sleeping"],
  ["😎", "sunglasses"],
  ["🤓", "nerd_face"],
  ["😕", "confused"],
  ["😮", "open_mouth"],
  ["😲", "astonished"],
  ["😳", "flushed"],
  ["🥺", "pleading_face"],
  ["😢", "cry"],
  ["😭", "sob"],
  ["😱", "scream"],
  ["😤", "triumph"],
  ["😡", "rage"],
  ["😠", "angry"],
  ["🤯", "exploding_head"],
  ["🥳", "partying_face"],
  ["😷", "mask"],
  ["🤒", "face_with_thermometer"],
  ["👍", "+1", "thumbsup"],
  ["👎", "-1", "thumbsdown"],
  ["👌", "ok_hand"],
  ["✌️", "v"],
  ["🤞", "crossed_fingers"],
  ["👋", "wave"],
  ["👏", "clap"],
  ["🙌", "raised_hands"],
  ["🙏", "pray"],
  ["💪", "muscle"],
  ["👀", "eyes"],
  ["❤️", "heart"],
  ["💔", "broken_heart"],
  ["💯", "100"],
  ["🔥", "fire"],
  ["✨", "sparkles"],
  ["⭐", "star"],
  ["🎉", "tada"],
  ["🎂", "birthday"],
  ["🎁", "gift"],
  ["☕", "coffee"],
  ["🍕", "pizza"],
  ["🍺", "beer"],
  ["🚀", "rocket"],
  ["💡", "bulb"],
  ["✅", "white_check_mark"],
  ["❌", "x"],
  ["⚠️", "warning"],
  ["❓", "question"],
  ["❗", "exclamation"],
  ["📅", "date"],
  ["📌", "pushpin"],
  ["☀️", "sunny"],
];

const BY_CODE = new Map<string, string>();
for (const [emoji, ...codes] of EMOJI) for (const code of codes) BY_CODE.set(code, emoji);

/** The emoji of a shortcode (without its colons), if it is one. */
export function emojiOf(code: string): string | undefined {
  return BY_CODE.get(code.toLowerCase());
}

const CODE = /^[a-z0-9_+-]{1,40}$/i;

/** Known shortcodes turned into their emoji; anything else is left as it was. */
export function replaceShortcodes(text: string): string {
  if (!text.includes(":")) return text;
  let out = "";
  let from = 0;
  let open = text.indexOf(":");
  while (open >= 0) {
    const close = text.indexOf(":", open + 1);
    if (close < 0) break;
    const code = text.slice(open + 1, close);
    const emoji = CODE.test(code) ? emojiOf(code) : undefined;
    if (emoji) {
      out += text.slice(from, open) + emoji;
      from = close + 1;
      open = text.indexOf(":", from);
    } else {
      // The closing colon may open the next shortcode ("at 10:30 :smile:").
      open = close;
    }
  }
  return out + text.slice(from);
}

const CODE_OF = new Map<string, string>();
for (const [emoji, code] of EMOJI) CODE_OF.set(emoji, code);

/** The shortcode the picker shows for an emoji, if it is in the table. */
export function shortcodeOf(emoji: string): string | undefined {
  return CODE_OF.get(emoji);
}

/** The reactions offered first: common ones, one click away. */
export const QUICK_REACTIONS: readonly string[] = ["👍", "❤️", "😂", "😮", "😢", "🎉"];
