// This device's sound in a meeting (a room's or a group's), as the backend's `meeting_sound`
// events tell it (with its camera when chosen, and who is heard or seen, speaking or not, for the
// stage): one at a time, dropped once it ended. A failure leaves a notice in the
// meeting's conversation until it is dismissed or the next try. And what the user does with it:
// joining (the meeting first, then its sound, once the devices dialog let the devices go),
// muting this device's microphone, leaving the sound (staying in the meeting).
import type { ClientEvent, MeetingSoundView } from "../../lib/bindings";
import { callWords, commonWords, errorText } from "../../lib/i18n";
import { ipc } from "../../lib/ipc";
import { app } from "../../lib/state.svelte";
import { calls } from "../calls/calls.svelte";

/** A failure in a conversation's meeting: `text` worded (a refusal), or null when the sound
 * could not connect (worded when shown, in the language of the moment). */
export type SoundFailure = { conversation: number; text: string | null };

class MeetingSoundState {
  /** The sound while on (connecting or connected). */
  sound = $state<MeetingSoundView | null>(null);
  /** The last failure, until dismissed or the next try. */
  failure = $state<SoundFailure | null>(null);
  /** The conversation whose meeting and sound are being joined. */
  joining = $state<number | null>(null);
  /** Counts the events: an answer to join that events overtook is dropped. */
  private events = 0;
  /** The conversation whose sound the user left while it was still connecting: closed as soon
   * as it connects (the backend has nothing to close before). */
  private leaveWanted: number | null = null;

  /** The sound when it is on in `conversation`. */
  in(conversation: number): MeetingSoundView | null {
    return this.sound?.conversation === conversation ? this.sound : null;
  }

  /** The failure to show in `conversation`, worded. */
  failureIn(conversation: number): string | null {
    const f = this.failure;
    if (!f || f.conversation !== conversation) return null;
    return f.text ?? callWords().soundCouldNotConnect;
  }

  /** A change of the sound (every `meeting_sound` event). */
  update(view: MeetingSoundView): void {
    this.events++;
    const now = this.sound;
    if (view.phase === "ended") {
      // The end of another meeting's sound (moved from it) leaves this one alone.
      if (now === null || now.conversation === view.conversation) this.sound = null;
      if (this.leaveWanted === view.conversation) this.leaveWanted = null;
      if (view.error !== null) this.failure = { conversation: view.conversation, text: null };
      return;
    }
    // Connected already: a late word that it was connecting changes nothing.
    if (view.phase === "connecting" && now?.conversation === view.conversation && now.phase === "connected") return;
    this.take(view);
  }

  private take(view: MeetingSoundView): void {
    this.sound = view;
    if (view.phase === "connected" && this.leaveWanted === view.conversation) {
      this.leaveWanted = null;
      void this.leave();
    }
  }

  // ---- Feature (lib/state.svelte.ts feeds it) ----------------------------------------------------

  apply(e: ClientEvent): void {
    if (e.event === "meeting_sound") this.update(e.sound);
  }

  /** A window that opens while the sound is on shows it. */
  async start(): Promise<void> {
    const s = await ipc().meetingSound();
    if (s && s.phase !== "ended" && this.sound === null) this.sound = s;
  }

  reset(): void {
    this.sound = null;
    this.failure = null;
    this.joining = null;
    this.leaveWanted = null;
  }

  // ---- What the user does -----------------------------------------------------------------------

  /** Starts the meeting of a room or group (or joins the one going on), then connects this
   * device's sound to it, with its camera when `camera` (the devices dialog's choice); the
   * dialog closed just before, and its test lets the devices go first. */
  async join(conversation: number, camera = false): Promise<void> {
    if (this.joining !== null) return;
    this.joining = conversation;
    this.failure = null;
    try {
      await calls.deviceTestDone();
      try {
        await app.startMeeting(conversation);
      } catch (e) {
        const common = commonWords();
        this.failure = { conversation, text: common.failed(common.joinMeetingFailed, errorText(e)) };
        return;
      }
      const before = this.events;
      try {
        const view = await ipc().joinMeetingSound(conversation, camera);
        // Its events may have come first, and gone further.
        if (this.events === before && view.phase !== "ended") this.take(view);
      } catch (e) {
        // A sound that could not connect said so with its end already (an event, which TypeScript
        // does not see coming).
        const said = this.failure as SoundFailure | null;
        if (said?.conversation !== conversation) this.failure = { conversation, text: callWords().soundFailed(errorText(e)) };
      }
    } finally {
      this.joining = null;
    }
  }

  /** Mutes or unmutes this device's microphone: shown at once, the backend's event confirms it,
   * a refusal undoes it. */
  async setMuted(muted: boolean): Promise<void> {
    const s = this.sound;
    if (!s || s.phase !== "connected") return;
    this.sound = { ...s, muted };
    try {
      await ipc().setMeetingSoundMuted(muted);
    } catch (e) {
      if (this.sound?.conversation === s.conversation) this.sound = { ...this.sound, muted: s.muted };
      this.failure = { conversation: s.conversation, text: callWords().soundFailed(errorText(e)) };
    }
  }

  /** Closes the sound (the user stays in the meeting); its `ended` event drops it. */
  async leave(): Promise<void> {
    const s = this.sound;
    if (!s) return;
    if (s.phase === "connecting") this.leaveWanted = s.conversation;
    try {
      await ipc().leaveMeetingSound();
    } catch (e) {
      this.failure = { conversation: s.conversation, text: callWords().soundFailed(errorText(e)) };
    }
  }

  dismiss(): void {
    this.failure = null;
  }
}

export const meetingSound = new MeetingSoundState();
app.attach(meetingSound);
