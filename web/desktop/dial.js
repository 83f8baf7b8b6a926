// Dial-number cleaning as the server does it (R30), so the agent sees what will be dialled
// before pressing the button. The server checks again; this is only the preview.

export const DIGITS_MIN = 3;
export const DIGITS_MAX = 18;

/// Keeps digits and `+ # * :`, and says whether the result can be dialled.
export function cleanDialNumber(text) {
  const cleaned = [...text].filter((c) => /[0-9+#*:]/.test(c)).join("");
  const stripped = cleaned.length !== text.trim().length;
  if (cleaned === "") {
    return { cleaned, ok: false, stripped, problem: "no digits: a dial number holds 3 to 18 digits and only + # * :" };
  }
  if (cleaned.slice(1).includes("+")) {
    return { cleaned, ok: false, stripped, problem: "+ is allowed only in front" };
  }
  const nDigits = [...cleaned].filter((c) => c >= "0" && c <= "9").length;
  if (nDigits < DIGITS_MIN || nDigits > DIGITS_MAX) {
    return { cleaned, ok: false, stripped, problem: `${nDigits} digits: a dial number holds 3 to 18 digits` };
  }
  return { cleaned, ok: true, stripped, problem: null };
}
