// Shared set-up for the component tests: a fake backend, signed in, behind ipc().
import { tick } from "svelte";
import { setBackend } from "../src/lib/ipc";
import { app } from "../src/lib/state.svelte";
import { FakeBackend, type FakeOptions } from "./fake-backend";

/** Lets queued events and the promises they start run out. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, 0));
    await tick();
  }
}

/** A fresh app state signed in to a fresh fake backend; `prepare` seeds it first. */
export async function signedIn(prepare?: (fake: FakeBackend) => void, options: FakeOptions = {}): Promise<FakeBackend> {
  const fake = new FakeBackend(options);
  prepare?.(fake);
  setBackend(fake);
  app.reset();
  await fake.signIn("ws://127.0.0.1:7300", fake.me, "secret");
  await app.start(fake.me);
  await settle();
  return fake;
}
