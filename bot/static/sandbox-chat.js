// The sandbox's WhatsApp chat, SMS inbox and email inbox (read only), for the number the phone pane has chosen.
// A message typed here goes to /sandbox/whatsapp or /sandbox/sms, which ask the simulators to post Karo
// the webhook a parent's message makes; both panes then show /sandbox/chat, polled every 1.5 seconds while
// the page is visible (a hidden tab asks nothing).
// Every text is set with textContent only: it is data from the server, never markup.
(() => {
  "use strict";
  const POLL_MS = 1500;
  const root = document.getElementById("sandbox");
  if (!root.dataset.simulated) return;
  const { phone: chosenPhone, reason } = window.karoSandbox;
  const panes = [pane("wa", "whatsapp", "hi"), pane("sms", "sms", "BAL")];
  const mailSection = document.getElementById("mail-log").closest("section");
  if (mailSection.dataset.email) panes.push(pane("mail", "email", null));
  let polling = null; // the timer of the next poll
  let shownPhone = null;

  function pane(prefix, kind, hint) {
    const $ = (suffix) => document.getElementById(`${prefix}-${suffix}`);
    const section = $("log").closest("section");
    const form = $("form"); // none on the email pane: the parent only reads there
    return {
      kind, hint, form, input: $("text"), log: $("log"), error: $("error"),
      button: form && form.querySelector("button"), who: section.querySelector("[data-who]"), rendered: null,
    };
  }

  function validPhone() {
    const phone = chosenPhone();
    return /^\+\d{9,15}$/.test(phone) ? phone : null;
  }

  function local(phone) {
    return phone.startsWith("+254") ? "0" + phone.slice(4) : phone;
  }

  function time(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // A document sent with a message (a receipt's PDF on WhatsApp), as a link; only an http(s) address is
  // made a link, so a server value can never become a javascript: URL.
  function documentLink(url) {
    if (!/^https?:\/\//i.test(url || "")) return null;
    const link = document.createElement("a");
    link.className = "document";
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.textContent = "Receipt (PDF)";
    return link;
  }

  // A WhatsApp list or reply buttons under Karo's message: each choice a button that sends its id back as
  // Twilio would (ListId for a list item, ButtonPayload for a reply button), its title as the text.
  function choices(menu) {
    const box = document.createElement("div");
    box.className = `menu ${menu.kind}`;
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", menu.kind === "list" ? menu.button || "List" : "Reply buttons");
    for (const choice of menu.choices) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.textContent = choice.title;
      if (menu.kind === "list" && choice.description && choice.description !== choice.title) {
        const small = document.createElement("small");
        small.textContent = choice.description;
        button.append(small);
      }
      button.addEventListener("click", () => tap(menu.kind, choice));
      box.append(button);
    }
    return box;
  }

  function item(className, text, meta, documentUrl, menu) {
    const li = document.createElement("li");
    li.className = className;
    const body = document.createElement("div");
    body.className = "text";
    body.textContent = text;
    li.append(body);
    const link = documentLink(documentUrl);
    if (link) li.append(link);
    if (menu && menu.choices && menu.choices.length) li.append(choices(menu));
    if (meta) {
      const small = document.createElement("small");
      small.className = "meta";
      small.textContent = meta;
      li.append(small);
    }
    return li;
  }

  function render(p, lines, phone) {
    const key = phone + JSON.stringify(lines);
    if (p.rendered === key) return; // unchanged: keep the reader's scroll position
    p.rendered = key;
    if (!lines.length) {
      const empty = p.hint ? `No messages yet. Send ${p.hint} to start.` : "No email for this phone's guardians.";
      p.log.replaceChildren(item("empty", empty));
      return;
    }
    p.log.replaceChildren(
      ...lines.map((line) => {
        const who = line.sender === "parent" ? "You" : "Karo";
        const meta = `${who} · ${time(line.at)} · ${line.status}`;
        return item(line.sender, line.text, meta, line.document, line.menu);
      }),
    );
    p.log.scrollTop = p.log.scrollHeight;
  }

  function choose(phone) {
    shownPhone = phone;
    for (const p of panes) {
      p.who.textContent = phone ? `${local(phone)} (${phone})` : "Pick or type a number";
      if (p.form) p.input.disabled = p.button.disabled = !phone;
      p.error.textContent = "";
      if (!phone) render(p, [], "");
    }
  }

  async function refresh() {
    clearTimeout(polling);
    polling = null;
    if (document.hidden) return; // visibilitychange starts it again
    const phone = validPhone();
    if (phone !== shownPhone) choose(phone);
    try {
      if (!phone) return;
      const response = await fetch(`/sandbox/chat?phone=${encodeURIComponent(phone)}`);
      if (!response.ok) throw new Error(await reason(response));
      const chats = await response.json();
      if (phone !== validPhone()) return; // the number changed while we asked
      for (const p of panes) render(p, chats[p.kind], phone);
    } catch (error) {
      for (const p of panes) p.error.textContent = "Could not refresh: " + error.message;
    } finally {
      clearTimeout(polling); // another refresh may have started meanwhile: keep one timer only
      polling = document.hidden ? null : setTimeout(refresh, POLL_MS);
    }
  }

  function tap(kind, choice) {
    const wa = panes[0];
    return post(wa, choice.title, { tap_kind: kind, tap_id: choice.id }, false);
  }

  async function send(p, event) {
    event.preventDefault();
    return post(p, p.input.value.trim(), {}, true);
  }

  async function post(p, text, extra, typed) {
    const phone = validPhone();
    if (!phone || !text) return;
    p.input.disabled = p.button.disabled = true;
    p.error.textContent = "";
    try {
      const response = await fetch(`/sandbox/${p.kind}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ phone, text, ...extra }),
      });
      if (!response.ok) throw new Error(await reason(response));
      const { status_code: status } = await response.json();
      if (status === null || status < 200 || status >= 300) {
        throw new Error(status === null ? "Karo could not be reached" : `Karo answered ${status}`);
      }
      if (typed) p.input.value = "";
    } catch (error) {
      p.error.textContent = "Not sent: " + error.message;
    } finally {
      p.input.disabled = p.button.disabled = !validPhone();
      p.input.focus();
      refresh();
    }
  }

  for (const p of panes) if (p.form) p.form.addEventListener("submit", (event) => send(p, event));
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) clearTimeout(polling);
    else refresh();
  });
  for (const id of ["phone", "other"]) {
    const element = document.getElementById(id);
    if (element) element.addEventListener(id === "other" ? "input" : "change", refresh);
  }
  refresh();
})();
