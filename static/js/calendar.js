// Calendar: keep the "now" line on the current time. The server places it on the right 15-minute row; this moves
// it within the row and along as the day goes on, and reloads the page when the line leaves the grid.
(() => {
  const grid = document.querySelector(".cal-grid");
  const line = grid && grid.querySelector(".cal-now");
  if (!line) return;
  const first = Number(grid.dataset.firstMinute);
  const nowAtLoad = Number(grid.dataset.nowMinute);
  const loadedAt = Date.now();
  const place = () => {
    const minute = nowAtLoad + (Date.now() - loadedAt) / 60000;
    const row = Math.floor((minute - first) / 15);
    const current = [...line.classList].find((c) => c.startsWith("gr-"));
    if (current !== `gr-${row}`) {
      if (!document.querySelector(`.cal-grid .gr-${row}`)) {
        line.hidden = true;
        return;
      }
      line.classList.replace(current, `gr-${row}`);
    }
    const rowHeight = parseFloat(getComputedStyle(grid).gridAutoRows) || 24;
    line.style.transform = `translateY(${((minute - first) % 15) / 15 * rowHeight}px)`;
  };
  place();
  setInterval(place, 60000);
})();
