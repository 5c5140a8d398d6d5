// The sandbox phone's M-Pesa PIN prompt. When Karo's STK push opens a prompt in the Daraja simulator for
// the chosen number, the phone shows it over the USSD screen, as the SIM toolkit does: a PIN and OK pays
// (0000 is a wrong PIN), Cancel cancels, and an ignored prompt times out at the simulator. /sandbox/mpesa
// is polled every 2 seconds while the page is visible, never while it is hidden.
// Every text is set with textContent only: it is data from the server, never markup.
(() => {
  "use strict";
  const POLL_MS = 2000;
  const root = document.getElementById("sandbox");
  if (!root.dataset.mpesa) return;
  const $ = (id) => document.getElementById(id);
  const dialog = $("mpesa");
  const text = $("mpesa-text");
  const pin = $("mpesa-pin");
  const error = $("mpesa-error");
  const controls = [pin, $("mpesa-ok"), $("mpesa-cancel")];
  const status = $("status");
  const { phone: chosenPhone, reason, cover } = window.karoSandbox;
  let shown = null; // {id, phone}: the prompt on the screen, if any
  let answering = false;
  let polling = null; // the timer of the next poll

  function validPhone() {
    const phone = chosenPhone();
    return /^\+254\d{9}$/.test(phone) ? phone : null; // M-Pesa takes Kenyan numbers only
  }

  function show(prompt, phone) {
    if (shown && shown.id === prompt.id) return;
    shown = { id: prompt.id, phone };
    text.textContent = prompt.text;
    pin.value = "";
    error.textContent = "";
    dialog.hidden = false;
    cover(pin); // the keypad types the PIN now
    pin.focus();
  }

  function hide(note) {
    shown = null;
    dialog.hidden = true;
    cover(null);
    if (note) status.textContent = note;
  }

  function schedule() {
    clearTimeout(polling);
    polling = document.hidden ? null : setTimeout(poll, POLL_MS);
  }

  async function poll() {
    clearTimeout(polling);
    polling = null;
    if (document.hidden) return; // visibilitychange starts it again
    const phone = validPhone();
    try {
      if (!phone) {
        if (shown) hide();
        return;
      }
      const response = await fetch(`/sandbox/mpesa?phone=${encodeURIComponent(phone)}`);
      if (!response.ok) throw new Error(await reason(response));
      const { prompts } = await response.json();
      if (answering || phone !== validPhone()) return; // the answer, or the new number, decides
      if (prompts.length) show(prompts[0], phone);
      else if (shown) hide(shown.phone === phone ? "No answer: the M-Pesa prompt timed out." : "");
    } catch (failure) {
      if (shown) error.textContent = "Could not refresh: " + failure.message;
    } finally {
      schedule();
    }
  }

  async function answer(kind, event) {
    if (event) event.preventDefault();
    if (!shown || answering) return;
    const body = { phone: shown.phone, answer: kind };
    if (kind === "ok") {
      if (!/^\d{4}$/.test(pin.value)) {
        error.textContent = "Enter your 4-digit M-Pesa PIN.";
        pin.focus();
        return;
      }
      body.pin = pin.value;
    }
    answering = true;
    for (const control of controls) control.disabled = true;
    try {
      const response = await fetch(`/sandbox/mpesa/${encodeURIComponent(shown.id)}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(await reason(response));
      hide((await response.json()).text);
    } catch (failure) {
      error.textContent = "Not sent: " + failure.message;
    } finally {
      answering = false;
      for (const control of controls) control.disabled = false;
      poll();
    }
  }

  dialog.addEventListener("submit", (event) => answer("ok", event));
  $("mpesa-cancel").addEventListener("click", () => answer("cancel"));
  document.addEventListener("visibilitychange", () => (document.hidden ? schedule() : poll()));
  for (const id of ["phone", "other"]) {
    const element = $(id);
    if (element) element.addEventListener(id === "other" ? "input" : "change", poll);
  }
  poll();
})();
