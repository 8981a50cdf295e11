// The calls' state: the call in progress as the backend's `call` events tell it (one at a time),
// and what the user does with it. A call that was on screen says why it ended for a moment
// (ENDED_MS) before the chat comes back; one that only rang here goes at once (its line in the
// timeline tells it was missed or declined). It also keeps the machine's devices current for the
// devices dialog: the desktop's `devices` event brings the whole list whenever one is plugged in
// or out, and switches the call in progress to other devices (the call view's devices menu).
import type { CallView, ClientEvent, DeviceChange, DeviceEntry } from "../../lib/bindings";
import { callWords, errorText, type CallQuality } from "../../lib/i18n";
import { ipc } from "../../lib/ipc";
import { app } from "../../lib/state.svelte";

/** How long an ended call stays on screen with its reason. */
export const ENDED_MS = 2000;

/** The call view's keyboard shortcuts, with Ctrl+Shift (worded by i18n's `keys`). */
export const SHORTCUTS = { mute: "M", hangUp: "H" } as const;

/** The media path's quality from its figures: good up to 150 ms and 1 % lost, fair up to 300 ms
 * and 5 %, poor beyond; null before anything was measured. */
export function callQuality(rttMs: number | null, lossPct: number | null): CallQuality | null {
  if (rttMs === null && lossPct === null) return null;
  const rtt = rttMs ?? 0;
  const loss = lossPct ?? 0;
  if (rtt <= 150 && loss <= 1) return "good";
  if (rtt <= 300 && loss <= 5) return "fair";
  return "poor";
}

/** Why a call ended, in the user's words. */
export function endedText(call: CallView): string {
  const w = callWords();
  if (call.error) return w.couldNotConnect;
  return w.ended[call.ended ?? "hung_up"];
}

/** What the call view's notice says of a device unplugged during the call (null for a kind this
 * UI does not know). */
export function deviceChangeText(change: DeviceChange): string | null {
  const w = callWords();
  const words: Record<string, [(lost: string, now: string) => string, (lost: string) => string]> = {
    microphone: [w.microphoneSwitched, w.microphoneGone],
    speaker: [w.speakerSwitched, w.speakerGone],
    camera: [w.cameraSwitched, w.cameraGone],
  };
  const pair = Object.hasOwn(words, change.kind) ? words[change.kind] : null;
  if (!pair) return null;
  return change.now === null ? pair[1](change.lost) : pair[0](change.lost, change.now);
}

/** The devices calls use, as saved in this device's settings (null: the system's default). */
export type CallDevices = { microphone: string | null; speaker: string | null; camera: string | null };

class CallsState {
  /** The call in progress (or, for ENDED_MS, the one that just ended on screen). */
  call = $state<CallView | null>(null);
  /** The last action the backend refused, worded. */
  error = $state<string | null>(null);
  /** The microphones, speakers and cameras calls can use, as last listed (the devices dialog
   * fetches them on opening, the `devices` event replaces them); null before the first list. */
  devices = $state.raw<DeviceEntry[] | null>(null);
  /** Why the devices could not be listed, in the backend's words (null once a list came). */
  devicesError = $state<string | null>(null);
  private endTimer: ReturnType<typeof setTimeout> | null = null;
  /** Bumped by every list that comes: an answer asked for before a newer list is dropped. */
  private devicesRevision = 0;
  /** Bumped by start and reset: what a past session listens to or asked for is dropped. */
  private session = 0;
  /** Stops listening to the `devices` event. */
  private unlisten: (() => void) | null = null;
  /** The device test's starts and stops (DeviceDialog), sent one after the other, in order. */
  private deviceTest: Promise<unknown> = Promise.resolve();

  /** The call ringing here, waiting for an answer. */
  get ringing(): CallView | null {
    const c = this.call;
    return c && c.incoming && c.phase === "ringing" ? c : null;
  }

  /** The call the call view shows: placed, connecting, active, or just ended (anything but a
   * call ringing here). */
  get shown(): CallView | null {
    const c = this.call;
    return c && !(c.incoming && c.phase === "ringing") ? c : null;
  }

  /** True while a call is going on (ringing included): no other can be placed. */
  get busy(): boolean {
    return this.call !== null;
  }

  /** A change of the call (every `call` event). */
  update(view: CallView): void {
    const before = this.call;
    this.stopTimer();
    if (view.phase !== "ended") {
      this.call = view;
      return;
    }
    if (before === null || (before.incoming && before.phase === "ringing")) {
      this.call = null;
      return;
    }
    this.call = view;
    this.endTimer = setTimeout(() => {
      this.endTimer = null;
      if (this.call?.phase === "ended") this.call = null;
    }, ENDED_MS);
  }

  // ---- Feature (lib/state.svelte.ts feeds it) ----------------------------------------------------

  apply(e: ClientEvent): void {
    if (e.event === "call") this.update(e.call);
  }

  /** A window that opens during a call shows it; the device list is kept current from now on. */
  async start(): Promise<void> {
    this.listenDevices();
    const c = await ipc().currentCall();
    if (c && c.phase !== "ended" && this.call === null) this.call = c;
  }

  reset(): void {
    this.stopTimer();
    this.call = null;
    this.error = null;
    this.session++;
    this.unlisten?.();
    this.unlisten = null;
    this.devices = null;
    this.devicesError = null;
  }

  // ---- Devices ------------------------------------------------------------------------------------

  /** Lists the devices again (the devices dialog, on opening); a `devices` event that comes
   * meanwhile is newer, and wins. */
  async loadDevices(): Promise<void> {
    const session = this.session;
    const asked = this.devicesRevision;
    try {
      const list = await ipc().devices();
      if (session === this.session && asked === this.devicesRevision) this.setDevices(list);
    } catch (e) {
      if (session !== this.session || asked !== this.devicesRevision) return;
      this.devicesError = errorText(e);
      this.devices ??= [];
    }
  }

  /** Queues a step of the device test (DeviceDialog: start, stop) after those already sent. */
  queueDeviceTest(step: () => Promise<unknown>): void {
    this.deviceTest = this.deviceTest.then(step).catch(() => {});
  }

  /** Resolves once the device test's steps sent so far are done (a meeting's sound joined as the
   * dialog closes waits for the test to let the devices go). */
  async deviceTestDone(): Promise<void> {
    await this.deviceTest;
  }

  private setDevices(list: DeviceEntry[]): void {
    this.devicesRevision++;
    this.devices = list;
    this.devicesError = null;
  }

  /** Listens to the `devices` event for this session (once: a listener from before goes). */
  private listenDevices(): void {
    const session = ++this.session;
    this.unlisten?.();
    this.unlisten = null;
    ipc()
      .onDevices((list) => {
        if (session === this.session) this.setDevices(list);
      })
      .then((stop) => {
        if (session === this.session) this.unlisten = stop;
        else stop();
      })
      .catch((e: unknown) => console.warn("no devices events:", e));
  }

  // ---- What the user does -----------------------------------------------------------------------

  /** Calls the other member of a direct conversation (once a device test has let the devices
   * go: the pre-call dialog closes just before). */
  async place(conversation: number, video: boolean): Promise<void> {
    if (this.busy) return;
    this.error = null;
    await this.deviceTest;
    try {
      const view = await ipc().placeCall(conversation, video);
      // Its events may have come first, and gone further.
      if (this.call === null) this.call = view;
    } catch (e) {
      this.fail(e);
    }
  }

  /** Answers the call ringing here (with this side's camera, or not); its chat opens behind
   * the call view. */
  async accept(video: boolean): Promise<void> {
    const c = this.ringing;
    if (!c) return;
    this.error = null;
    try {
      await ipc().acceptCall(c.id, video && c.video);
      if (app.selected !== c.conversation) void app.select(c.conversation).catch(() => {});
    } catch (e) {
      this.fail(e);
    }
  }

  async decline(): Promise<void> {
    const c = this.ringing;
    if (!c) return;
    this.error = null;
    try {
      await ipc().declineCall(c.id);
    } catch (e) {
      this.fail(e);
    }
  }

  async hangUp(): Promise<void> {
    const c = this.call;
    if (!c || c.phase === "ended" || c.phase === "ringing") return;
    try {
      await ipc().hangUp();
    } catch (e) {
      this.fail(e);
    }
  }

  toggleMute(): Promise<void> {
    return this.controls((c) => ({ muted: !c.muted, camera_off: c.camera_off }));
  }

  toggleCamera(): Promise<void> {
    return this.controls((c) => ({ muted: c.muted, camera_off: !c.camera_off }));
  }

  /** Shows the new controls at once; the backend's event confirms them, a refusal undoes them. */
  private async controls(next: (c: CallView) => { muted: boolean; camera_off: boolean }): Promise<void> {
    const c = this.call;
    if (!c || c.phase === "ended" || c.phase === "ringing") return;
    const want = next(c);
    this.call = { ...c, ...want };
    try {
      await ipc().setCallControls(want.muted, want.camera_off);
    } catch (e) {
      if (this.call?.id === c.id) this.call = { ...this.call, muted: c.muted, camera_off: c.camera_off };
      this.fail(e);
    }
  }

  /** The devices saved in this device's settings (those calls use). */
  get chosenDevices(): CallDevices {
    const d = app.settings?.device;
    return { microphone: d?.microphone ?? null, speaker: d?.speaker ?? null, camera: d?.camera ?? null };
  }

  /** Switches the call to other devices (those not given stay as chosen): the backend saves them
   * in this device's settings and the call uses them at once. */
  async switchDevices(change: Partial<CallDevices>): Promise<void> {
    const next = { ...this.chosenDevices, ...change };
    this.error = null;
    try {
      await ipc().useCallDevices(next.microphone, next.speaker, next.camera);
      if (app.settings) app.settings = { ...app.settings, device: { ...app.settings.device, ...next } };
    } catch (e) {
      this.error = callWords().switchFailed(errorText(e));
    }
  }

  private fail(e: unknown): void {
    this.error = callWords().failed(errorText(e));
  }

  private stopTimer(): void {
    if (this.endTimer !== null) clearTimeout(this.endTimer);
    this.endTimer = null;
  }
}

export const calls = new CallsState();
app.attach(calls);
