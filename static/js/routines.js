// Today page: show why an htmx tick was refused (the plain-form fallback shows it as a flash message). The
// fallback words come translated from the page (data-fallback): no inline script under the CSP.
document.addEventListener("htmx:responseError", (event) => {
  const box = document.getElementById("routine-error");
  if (box) {
    box.textContent = event.detail.xhr.responseText || box.dataset.fallback || "That did not work. Please reload the page.";
    box.hidden = false;
  }
});

// After a tick, skip or undo, htmx replaces the step's <li>, and with it the button that had focus: move
// focus to the step's next control (Undo after Done, Done after Undo) instead of letting it fall to <body>.
let swappedStepId = null;
document.addEventListener("htmx:beforeRequest", (event) => {
  const step = event.detail.elt.closest(".routine-step");
  swappedStepId = step ? step.id : null;
});
document.addEventListener("htmx:afterSettle", () => {
  if (!swappedStepId) return;
  const step = document.getElementById(swappedStepId);
  swappedStepId = null;
  if (!step) return;
  const next = step.querySelector("button");
  if (next) {
    next.focus();
  } else {
    step.setAttribute("tabindex", "-1");
    step.focus();
  }
});
