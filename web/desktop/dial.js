// Dial-number cleaning as the server does it (R30), so the agent sees what will be dialled
// before pressing the button. The server checks again; this is only the preview.
// `problem` is a code the desktop turns into text in the agent's language (i18n.js, dialProblem).

export const DIGITS_MIN = 3;
export const DIGITS_MAX = 18;

/// Keeps digits and `+ # * :`, and says whether the result can be dialled.
/** @param {string} text */
export function cleanDialNumber(text) {
  const cleaned = [...text].filter((c) => /[0-9+#*:]/.test(c)).join("");
  const stripped = cleaned.length !== text.trim().length;
  const nDigits = [...cleaned].filter((c) => c >= "0" && c <= "9").length;
  if (cleaned === "") return { cleaned, ok: false, stripped, nDigits, problem: "no_digits" };
  if (cleaned.slice(1).includes("+")) return { cleaned, ok: false, stripped, nDigits, problem: "plus_position" };
  if (nDigits < DIGITS_MIN || nDigits > DIGITS_MAX) return { cleaned, ok: false, stripped, nDigits, problem: "digit_count" };
  return { cleaned, ok: true, stripped, nDigits, problem: null };
}
