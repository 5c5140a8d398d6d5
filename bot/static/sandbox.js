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

  // idle: nothing dialled; busy: waiting for the app; open: a menu waits for a reply.
  function setState(state) {
    const open = state === "open";
    for (const element of [reply, send, clear, cancel, ...keys]) element.disabled = !open;
    const idle = state === "idle";
    dial.disabled = !idle || !endpoint;
    for (const element of [phone, other, code]) if (element) element.disabled = !idle;
    if (open) reply.focus();
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
    reply.value = reply.value.slice(0, -1);
    reply.focus();
  });
  for (const key of keys) {
    key.addEventListener("click", () => {
      reply.value += key.dataset.key;
      reply.focus();
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
  // the same number.
  window.karoSandbox = { phone: dialledPhone, reason };
})();
