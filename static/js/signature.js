// The consent signature box: draw with a finger, stylus or mouse; the hidden input gets a PNG data URL.
// Signing by typed name is the equal alternative (keyboard, no JavaScript): this script shows only the section
// of the chosen method.
(function () {
  const methods = document.querySelectorAll('input[name="signature_method"]');
  function showChosen() {
    const chosen = document.querySelector('input[name="signature_method"]:checked');
    document.querySelectorAll("[data-signature-method]").forEach(function (section) {
      section.hidden = chosen !== null && section.dataset.signatureMethod !== chosen.value;
    });
  }
  methods.forEach(function (radio) { radio.addEventListener("change", showChosen); });
  showChosen();
})();
(function () {
  const canvas = document.getElementById("signature-pad");
  if (!canvas) return;
  const input = document.getElementById(canvas.dataset.input);
  const ctx = canvas.getContext("2d");
  let drawing = false;
  let drawn = false;

  function point(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (canvas.width / box.width),
            (event.clientY - box.top) * (canvas.height / box.height)];
  }
  function start(event) {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    const [x, y] = point(event);
    ctx.beginPath();
    ctx.moveTo(x, y);
    event.preventDefault();
  }
  function move(event) {
    if (!drawing) return;
    const [x, y] = point(event);
    ctx.lineTo(x, y);
    ctx.stroke();
    drawn = true;
    event.preventDefault();
  }
  function end() {
    if (!drawing) return;
    drawing = false;
    if (drawn) input.value = canvas.toDataURL("image/png");
  }
  ctx.lineWidth = 3;
  ctx.lineCap = "round";
  ctx.strokeStyle = "#111";
  canvas.addEventListener("pointerdown", start);
  canvas.addEventListener("pointermove", move);
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointerleave", end);
  document.getElementById("signature-clear").addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    input.value = "";
    drawn = false;
  });
})();
