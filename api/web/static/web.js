// The timeline: whatever bar or mark has focus (keyboard) or the pointer says what it is in
// words, in the live region below the picture. The same words are in each mark's <title>.
(function () {
  "use strict";
  function show(item) {
    var out = document.getElementById("timeline-detail");
    if (out && item && item.getAttribute("data-desc")) {
      out.textContent = item.getAttribute("data-desc");
    }
  }
  document.addEventListener("focusin", function (e) {
    var item = e.target.closest && e.target.closest(".tl-item");
    if (item) { show(item); }
  });
  document.addEventListener("mouseover", function (e) {
    var item = e.target.closest && e.target.closest(".tl-item");
    if (item) { show(item); }
  });
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-print]");
    if (button) { window.print(); }
  });
}());
