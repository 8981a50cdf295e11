// Which side columns are shown: the conversation list (left) and the details (right). Each can be
// hidden with its three-bar button; the choice is remembered on this device.
const KEY = "confer.layout";

type Shown = { list: boolean; details: boolean };

function remembered(): Shown {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? "{}") as Partial<Shown>;
    return { list: raw.list !== false, details: raw.details !== false };
  } catch {
    return { list: true, details: true };
  }
}

class Layout {
  list = $state(true);
  details = $state(true);

  constructor() {
    this.load();
  }

  /** The device's choice as stored now (start-up; tests). */
  load(): void {
    const s = remembered();
    this.list = s.list;
    this.details = s.details;
  }

  toggle(column: keyof Shown): void {
    this[column] = !this[column];
    try {
      localStorage.setItem(KEY, JSON.stringify({ list: this.list, details: this.details }));
    } catch {
      // Storage refused (private mode): the choice lasts for this session.
    }
  }
}

export const layout = new Layout();
