/* smsurvey admin, operator pages: the phone simulator's thread keeps itself up to date and
   its replies go without leaving the page; forms marked data-busy say they are working.
   Without this script the pages still work: reload to see new texts. */
"use strict";

const POLL_MS = 2000;

function textItem(text) {
  const item = document.createElement("li");
  item.className = text.direction === "to_handset" ? "theirs" : "mine";
  item.dataset.id = String(text.id);
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = (text.direction === "to_handset" ? "From " : "To ") + text.counterpart;
  const body = document.createElement("span");
  body.className = "body";
  body.textContent = text.body;
  const meta = document.createElement("span");
  meta.className = "meta";
  const time = document.createElement("time");
  time.dateTime = text.at;
  time.textContent = text.at.replace("T", " ").slice(0, 19) + " UTC";
  const status = document.createElement("span");
  status.className = "status";
  status.textContent = text.status;
  meta.append(time, " · ", status);
  item.append(who, body, meta);
  return item;
}

function showThread(thread, texts) {
  for (const text of texts) {
    const shown = thread.querySelector(`li[data-id="${text.id}"]`);
    if (shown) {
      const status = shown.querySelector(".status");
      if (status && status.textContent !== text.status) status.textContent = text.status;
      continue;
    }
    const empty = thread.querySelector("li.empty");
    if (empty) empty.remove();
    thread.append(textItem(text));
  }
}

function followThread(thread) {
  let timer = null;
  const refresh = async () => {
    clearTimeout(timer);
    try {
      const answer = await fetch(thread.dataset.texts, { headers: { Accept: "application/json" } });
      if (answer.ok) showThread(thread, await answer.json());
    } finally {
      timer = setTimeout(refresh, POLL_MS);
    }
  };
  timer = setTimeout(refresh, POLL_MS);

  const reply = document.getElementById("reply");
  if (!reply) return;
  reply.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = reply.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const answer = await fetch(reply.action, { method: "POST", body: new FormData(reply) });
      if (!answer.ok) {
        reply.submit(); // the server's page says what was wrong
        return;
      }
      reply.querySelector("textarea").value = "";
      await refresh();
    } finally {
      button.disabled = false;
    }
  });
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.dataset || !form.dataset.busy || event.defaultPrevented) return;
  const button = form.querySelector("button[type=submit]");
  if (button) {
    button.textContent = form.dataset.busy;
    button.setAttribute("aria-disabled", "true");
  }
});

const thread = document.getElementById("thread");
if (thread) followThread(thread);
