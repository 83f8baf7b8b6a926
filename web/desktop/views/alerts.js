// Offers nobody misses (R7): a ring for every new offer, and while the tab is in the background
// a browser notification and a flashing tab title, until the agent looks or no offer is left.
// The ring is WebAudio (no sound file); the browser lets it play once the page had a click or a
// key, which is also when the desktop asks once for permission to notify.

/** @type {AudioContext | null} */
let audio = null;
/** Tasks already rung for, so a replayed or repeated event does not ring again. */
const rung = new Set();
/** @type {ReturnType<typeof setInterval> | undefined} */
let flashTimer;
/** The page's own title, put back when the flashing stops. */
let baseTitle = "";

export function initAlerts() {
  baseTitle = document.title;
  const unlock = () => {
    try {
      audio ??= new AudioContext();
      if (audio.state === "suspended") audio.resume().catch(() => {});
    } catch { audio = null; }
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission().catch(() => {});
  };
  document.addEventListener("pointerdown", unlock, { capture: true });
  document.addEventListener("keydown", unlock, { capture: true });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) stopFlash(); });
}

/**
 * A new offer: ring, and when the tab is in the background notify and flash the tab's title.
 * @param {number} task
 * @param {string} title What is offered, e.g. "Incoming call".
 * @param {() => string} who Who, e.g. the caller's number; asked a moment later, once the task
 *   list read after the event has it.
 */
export function offerAlert(task, title, who) {
  if (rung.has(task)) return;
  rung.add(task);
  ring();
  setTimeout(() => {
    if (!document.hidden || !rung.has(task)) return;
    if ("Notification" in window && Notification.permission === "granted") {
      try {
        const notification = new Notification(title, { body: who(), tag: `sentral-offer-${task}` });
        notification.onclick = () => { window.focus(); notification.close(); };
      } catch { /* notifications unavailable here: the title still flashes */ }
    }
    startFlash(title);
  }, NOTIFY_AFTER_MS);
}

/** How long the notification waits for the task list to say who is calling (ms). */
const NOTIFY_AFTER_MS = 400;

/**
 * An offer ended (answered, withdrawn, missed): offered again, it rings again.
 * @param {number} task
 */
export function forgetOffer(task) {
  rung.delete(task);
}

/** No offer is shown any more: the title stops flashing. */
export function noOfferAlert() {
  stopFlash();
}

/** Two short two-tone bursts, as a phone rings. */
function ring() {
  try {
    audio ??= new AudioContext();
    const start = audio.currentTime + 0.02;
    const gain = audio.createGain();
    gain.gain.setValueAtTime(0, start);
    gain.connect(audio.destination);
    for (const [at, frequency] of [[0, 440], [0.2, 480], [0.5, 440], [0.7, 480]]) {
      const oscillator = audio.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start(start + at);
      oscillator.stop(start + at + 0.18);
      gain.gain.setValueAtTime(0.15, start + at);
      gain.gain.setValueAtTime(0, start + at + 0.18);
    }
  } catch { /* no audio here: the popover and the live region still tell */ }
}

/** @param {string} title */
function startFlash(title) {
  clearInterval(flashTimer);
  let on = true;
  document.title = `● ${title}`;
  flashTimer = setInterval(() => {
    on = !on;
    document.title = on ? `● ${title}` : baseTitle;
  }, 1000);
}

function stopFlash() {
  if (flashTimer === undefined) return;
  clearInterval(flashTimer);
  flashTimer = undefined;
  document.title = baseTitle;
}
