// Print buttons (the guide's print version, account slips, queue slips): a button marked data-print prints
// the page. Kept out of the pages because the Content-Security-Policy allows no inline script.
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false; // hidden in the markup where printing needs this script
    button.addEventListener("click", function () { window.print(); });
  });
})();
