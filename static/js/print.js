// Documents' print page: the Print button opens the browser's print dialog (no inline script under the CSP).
document.querySelectorAll("[data-print-page]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
