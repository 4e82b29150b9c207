/* smsurvey admin, contacts: refuse a CSV over the upload limit before sending it, and
   move an import's progress bar by asking its status route. Without script the form is
   checked by the server and the progress page refreshes itself. */
"use strict";

const upload = document.querySelector("form[data-upload-limit]");
if (upload) {
  const limit = Number(upload.dataset.uploadLimit);
  const input = upload.querySelector("input[type=file]");
  const problem = document.getElementById("file-problem");
  const check = () => {
    const file = input.files[0];
    const tooBig = file !== undefined && file.size > limit;
    problem.hidden = !tooBig;
    problem.textContent = tooBig
      ? `${file.name} is ${file.size.toLocaleString()} bytes, over the limit of ${limit.toLocaleString()}: split it into smaller files.`
      : "";
    input.setAttribute("aria-invalid", String(tooBig));
    return !tooBig;
  };
  input.addEventListener("change", check);
  upload.addEventListener("submit", (event) => {
    if (!check()) event.preventDefault();
  });
}

const watched = document.querySelector("[data-import-status]");
if (watched) {
  const bar = document.getElementById("import-bar");
  const show = (name, value) => {
    const target = watched.querySelector(`[data-figure="${name}"]`);
    if (target) target.textContent = value.toLocaleString();
  };
  const poll = async () => {
    let status;
    try {
      const answer = await fetch(watched.dataset.importStatus, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        redirect: "error",
      });
      if (!answer.ok) throw new Error(String(answer.status));
      status = await answer.json();
    } catch {
      document.getElementById("import-figures").textContent =
        "The server does not answer just now: refresh the page to see where the import is.";
      return;
    }
    bar.value = status.percent;
    bar.textContent = `${status.percent} %`;
    for (const name of ["percent", "rowsRead", "rowsImported", "rowsRejected"]) {
      show(name, status[name]);
    }
    if (status.state === "running") {
      window.setTimeout(poll, 1000);
    } else {
      window.location.reload();
    }
  };
  window.setTimeout(poll, 500);
}
