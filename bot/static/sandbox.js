// The sandbox phone: one USSD session at a time, posted to the app exactly as Africa's Talking posts it.
// Reply text is shown with textContent only: it is data from the server, never markup.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const endpoint = $("sandbox").dataset.endpoint;
  const phone = $("phone"); // absent when there are no guardians yet
  const other = $("other");
  const code = $("code");
  const screen = $("screen");
  const status = $("status");
  const reply = $("reply");
  const send = $("send");
  const clear = $("clear");
  const dial = $("dial");
  const cancel = $("cancel");
  const keys = document.querySelectorAll(".keypad button");
  let session = null; // {id, phone, code, inputs}: the open session, if any
  let state = "idle";
  let covering = null; // the PIN field of the M-Pesa prompt covering the screen (sandbox-mpesa.js), if any

  function sessionId() {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    return "ATUid_sandbox_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // The typed number if any (in any Kenyan form, sent as +254...), else the chosen guardian's.
  function dialledPhone() {
    const typed = other.value.replace(/[\s-]/g, "");
    if (!typed) return phone ? phone.value : "";
    if (/^0\d{9}$/.test(typed)) return "+254" + typed.slice(1);
    if (/^254\d{9}$/.test(typed)) return "+" + typed;
    return typed;
  }

  // idle: nothing dialled; busy: waiting for the app; open: a menu waits for a reply. While the M-Pesa
  // prompt covers the screen the keypad types its PIN, and nothing can be dialled.
  function setState(next) {
    state = next;
    const open = state === "open" && !covering;
    for (const element of [reply, send, cancel]) element.disabled = !open;
    for (const element of [clear, ...keys]) element.disabled = !open && !covering;
    const idle = state === "idle";
    dial.disabled = !idle || !endpoint || Boolean(covering);
    for (const element of [phone, other, code]) if (element) element.disabled = !idle;
    if (open) reply.focus();
  }

  function cover(field) {
    covering = field;
    setState(state);
  }

  function typed() {
    return covering || reply;
  }

  function show(text, note) {
    screen.textContent = text;
    status.textContent = note || "";
  }

  function close(text, note) {
    session = null;
    show(text, note);
    dial.textContent = "Dial again";
    setState("idle");
  }

  async function hop() {
    setState("busy");
    status.textContent = "Running USSD code...";
    const body = new URLSearchParams({
      sessionId: session.id,
      serviceCode: session.code,
      phoneNumber: session.phone,
      networkCode: "63902",
      text: session.inputs.join("*"),
    });
    let answer;
    try {
      const response = await fetch(endpoint, { method: "POST", body });
      if (!response.ok) throw new Error("HTTP " + response.status);
      answer = await response.text();
    } catch (error) {
      close("Connection problem or invalid MMI code (" + error.message + ").", "Session ended");
      return;
    }
    if (answer.startsWith("CON ")) {
      show(answer.slice(4));
      setState("open");
    } else {
      close(answer.startsWith("END ") ? answer.slice(4) : answer, "Session ended");
    }
  }

  function start() {
    const number = dialledPhone();
    if (!number || !endpoint) {
      show("Pick a guardian's phone or type a number first.");
      return;
    }
    session = { id: sessionId(), phone: number, code: code.value, inputs: [] };
    reply.value = "";
    show("Dialling " + session.code + "...");
    hop();
  }

  function respond(event) {
    event.preventDefault();
    const value = reply.value.trim();
    if (!session || !value) return;
    session.inputs.push(value);
    reply.value = "";
    hop();
  }

  function hangUp() {
    close("Cancelled.", "Session ended");
  }

  if (phone) {
    phone.addEventListener("change", () => {
      code.value = phone.selectedOptions[0].dataset.code;
      other.value = "";
    });
  }
  dial.addEventListener("click", start);
  cancel.addEventListener("click", hangUp);
  $("reply-form").addEventListener("submit", respond);
  clear.addEventListener("click", () => {
    const field = typed();
    field.value = field.value.slice(0, -1);
    field.focus();
  });
  for (const key of keys) {
    key.addEventListener("click", () => {
      const field = typed();
      if (field.disabled) return; // the prompt's answer is on its way
      if (field.maxLength < 0 || field.value.length < field.maxLength) field.value += key.dataset.key;
      field.focus();
    });
  }
  // Why the app refused a request: its detail when it gave one in words, else the HTTP status.
  async function reason(response) {
    try {
      const body = await response.json();
      return typeof body.detail === "string" ? body.detail : "HTTP " + response.status;
    } catch {
      return "HTTP " + response.status;
    }
  }

  setState("idle");
  // The WhatsApp chat, the SMS inbox (sandbox-chat.js) and the M-Pesa prompt (sandbox-mpesa.js) follow
  // the same number; the prompt covers the screen with cover(its PIN field) and uncovers it with cover(null).
  window.karoSandbox = { phone: dialledPhone, reason, cover };
})();
