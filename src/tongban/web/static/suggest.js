// Suggestions while typing (SRCH-09): fills the shared <datalist> from /api/v1/search/suggest.
// Without JavaScript the search box still works; this only adds the list.
(function () {
  var list = document.getElementById("site-q-suggestions");
  if (!list) return;
  var timer = null, last = "";
  function fill(items) {
    list.innerHTML = "";
    items.forEach(function (s) {
      var option = document.createElement("option");
      option.value = s.text;
      list.appendChild(option);
    });
  }
  function ask(value) {
    if (value === last) return;
    last = value;
    if (!value.trim()) { fill([]); return; }
    fetch("/api/v1/search/suggest?q=" + encodeURIComponent(value) + "&limit=8")
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (value === last) fill(data.suggestions || []); })
      .catch(function () { fill([]); });
  }
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var value = input.value;
      timer = setTimeout(function () { ask(value); }, 150);
    });
  });
})();
