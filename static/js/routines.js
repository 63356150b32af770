// Today page: show why an htmx tick was refused (the plain-form fallback shows it as a flash message).
document.addEventListener("htmx:responseError", (event) => {
  const box = document.getElementById("routine-error");
  if (box) {
    box.textContent = event.detail.xhr.responseText || "That did not work. Please reload the page.";
    box.hidden = false;
  }
});
