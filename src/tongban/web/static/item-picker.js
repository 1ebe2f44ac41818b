// Item search as you type on the staff hotline form (CONS-06): fills a listbox from /api/v1/search/suggest as the
// agent types; arrow keys move, Enter picks (the item number goes into the form's item field), Escape closes.
// Without JavaScript the form's plain GET search still works; this only adds the list.
(function () {
  document.querySelectorAll("input[data-item-picker]").forEach(function (input) {
    var target = document.getElementById(input.getAttribute("data-target"));
    var chosen = document.getElementById(input.getAttribute("data-chosen"));
    if (!target) return;
    var list = document.createElement("ul");
    list.id = input.id + "-options";
    list.className = "item-options";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "匹配的事项");
    list.hidden = true;
    input.form.insertAdjacentElement("afterend", list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    var timer = null, last = "", active = -1, items = [];

    function show(open) {
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open) { active = -1; input.removeAttribute("aria-activedescendant"); }
    }
    function mark(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (li, i) {
        li.setAttribute("aria-selected", i === index ? "true" : "false");
        li.style.outline = i === index ? "2px solid currentColor" : "";
      });
      if (index >= 0) input.setAttribute("aria-activedescendant", list.children[index].id);
    }
    function pick(index) {
      var item = items[index];
      if (!item) return;
      target.value = String(item.id);
      input.value = item.name;
      if (chosen) chosen.textContent = "已选事项：" + item.id + " · " + item.name;
      show(false);
    }
    function fill(found) {
      items = found;
      list.innerHTML = "";
      found.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.setAttribute("data-item-id", String(item.id));
        li.textContent = item.id + " · " + item.name;
        li.addEventListener("mousedown", function (event) { event.preventDefault(); pick(i); });
        list.appendChild(li);
      });
      show(found.length > 0);
      mark(found.length > 0 ? 0 : -1);
    }
    function ask(value) {
      if (value === last) return;
      last = value;
      if (!value.trim()) { fill([]); return; }
      fetch("/api/v1/search/suggest?q=" + encodeURIComponent(value) + "&limit=10")
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          if (value !== last) return;
          var found = [];
          (data.suggestions || []).forEach(function (s) {
            var m = /^\/items\/(\d+)/.exec(s.url || "");
            if (s.kind === "item" && m && found.length < 8) found.push({ id: m[1], name: s.text });
          });
          fill(found);
        })
        .catch(function () { fill([]); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var value = input.value;
      timer = setTimeout(function () { ask(value); }, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden || !items.length) return;
      if (event.key === "ArrowDown") { event.preventDefault(); mark((active + 1) % items.length); }
      else if (event.key === "ArrowUp") { event.preventDefault(); mark((active - 1 + items.length) % items.length); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); pick(active); }
      else if (event.key === "Escape") { event.preventDefault(); show(false); }
    });
    input.addEventListener("blur", function () { setTimeout(function () { show(false); }, 100); });
  });
})();
