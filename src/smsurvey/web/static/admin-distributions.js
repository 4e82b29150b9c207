/* smsurvey admin, distributions: the new distribution's live preview, and the figures of a
   distribution under way kept up to date. Without it the pages work the same: the form's
   Preview button shows the preview, and reloading the page the figures. */
"use strict";

const PREVIEW_DELAY_MS = 400;
const FIGURES_EVERY_MS = 5000;

function livePreview(form) {
  const pane = document.getElementById("preview");
  let timer = null;
  let asked = 0;

  const refresh = () => {
    const mine = ++asked;
    pane.setAttribute("aria-busy", "true");
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then((answer) => answer.json())
      .then((shown) => {
        if (mine === asked) pane.innerHTML = shown.html;
      })
      .catch(() => {
        /* Offline or signed out: the Preview button still works. */
      })
      .finally(() => {
        if (mine === asked) pane.removeAttribute("aria-busy");
      });
  };
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, PREVIEW_DELAY_MS);
  };

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  form.addEventListener("click", (event) => {
    const fix = event.target.closest("button[data-apply-fix]");
    if (!fix) return;
    event.preventDefault();
    const message = form.elements.namedItem("message_text");
    message.value = fix.dataset.applyFix;
    message.focus();
    refresh();
  });
}

function liveFigures(section) {
  const update = () => {
    fetch(section.dataset.figuresUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then((answer) => answer.json())
      .then((figures) => {
        section.innerHTML = figures.html;
        section.dataset.running = figures.running ? "true" : "false";
        if (figures.running) setTimeout(update, FIGURES_EVERY_MS);
      })
      .catch(() => setTimeout(update, FIGURES_EVERY_MS * 2));
  };
  if (section.dataset.running === "true") setTimeout(update, FIGURES_EVERY_MS);
}

const form = document.querySelector("form[data-preview-url]");
if (form) livePreview(form);
const figures = document.querySelector("section[data-figures-url]");
if (figures) liveFigures(figures);
