// Writing widgets (members/widgets.py): the Markdown toolbar and preview, the searchable pickers,
// and the filter panels that fold away on narrow screens. Progressive enhancement only: without this
// file every textarea, select and filter form works as plain HTML and posts the same values.
(function () {
  "use strict";

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // A toolbar is one tab stop; the arrow keys, Home and End move between its buttons (WAI-ARIA toolbar).
  function rovingFocus(container, selector) {
    container.addEventListener("keydown", function (ev) {
      var items = Array.prototype.slice.call(container.querySelectorAll(selector));
      var index = items.indexOf(document.activeElement);
      if (index < 0) { return; }
      var next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: items.length - 1 }[ev.key];
      if (next === undefined) { return; }
      next = (next + items.length) % items.length;
      items.forEach(function (item, i) { item.tabIndex = i === next ? 0 : -1; });
      items[next].focus();
      ev.preventDefault();
      return items[next];
    });
  }

  // ---------------------------------------------------------------- Markdown editor
  // Insert through execCommand where the browser offers it, so that Ctrl+Z undoes a toolbar action.
  function replaceSelection(textarea, text, selectFrom, selectTo) {
    var start = textarea.selectionStart;
    textarea.focus();
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (e) { done = false; }
    if (!done || textarea.value.substring(start, start + text.length) !== text) {
      textarea.setRangeText(text, start, textarea.selectionEnd, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    textarea.setSelectionRange(start + selectFrom, start + selectTo);
  }

  function wrap(textarea, before, after, placeholder) {
    var selected = textarea.value.substring(textarea.selectionStart, textarea.selectionEnd) || placeholder;
    replaceSelection(textarea, before + selected + after, before.length, before.length + selected.length);
  }

  function prefixLines(textarea, prefix) {
    var value = textarea.value;
    var start = value.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
    var end = textarea.selectionEnd;
    if (end > start && value[end - 1] === "\n") { end -= 1; }
    var lineEnd = value.indexOf("\n", end);
    end = lineEnd < 0 ? value.length : lineEnd;
    textarea.setSelectionRange(start, end);
    var lines = value.substring(start, end).split("\n").map(function (line) {
      return line.indexOf(prefix) === 0 ? line : prefix + line;
    });
    var text = lines.join("\n");
    replaceSelection(textarea, text, text.length, text.length);
  }

  function apply(editor, textarea, action) {
    if (action === "bold") { wrap(textarea, "**", "**", textarea.dataset.placeholderBold || "…"); }
    else if (action === "italic") { wrap(textarea, "*", "*", "…"); }
    else if (action === "heading") { prefixLines(textarea, "## "); }
    else if (action === "list") { prefixLines(textarea, "- "); }
    else if (action === "quote") { prefixLines(textarea, "> "); }
    else if (action === "link") {
      var label = textarea.value.substring(textarea.selectionStart, textarea.selectionEnd) || editor.dataset.linkText;
      var text = "[" + label + "](https://)";
      // the address is what is left to type: select it
      replaceSelection(textarea, text, label.length + 3, text.length - 1);
    }
  }

  function showTab(editor, name) {
    editor.querySelectorAll("[data-md-tab]").forEach(function (tab) {
      var on = tab.dataset.mdTab === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
    });
    editor.querySelectorAll("[data-md-panel]").forEach(function (panel) { panel.hidden = panel.dataset.mdPanel !== name; });
    editor.querySelector(".md-toolbar").hidden = name !== "write";
  }

  function preview(editor, textarea) {
    var panel = editor.querySelector("[data-md-panel=preview]");
    var body = new FormData();
    body.append("text", textarea.value);
    panel.setAttribute("aria-busy", "true");
    panel.textContent = "…";
    fetch(editor.dataset.previewUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(textarea.form), "Accept": "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok || typeof data.html !== "string") { throw new Error(data.error || editor.dataset.previewFailed); }
        return data.html;
      });
    }).then(function (html) {
      // sanitised by the server with the same function as the saved text (members.markup)
      if (html.trim()) { panel.innerHTML = html; } else { panel.textContent = editor.dataset.previewEmpty; }
    }).catch(function (error) {
      panel.textContent = "";
      var p = document.createElement("p");
      p.className = "md-preview-error";
      p.setAttribute("role", "alert");
      p.textContent = error && error.message && error.message !== "Failed to fetch" ? error.message : editor.dataset.previewFailed;
      panel.appendChild(p);
    }).then(function () { panel.removeAttribute("aria-busy"); });
  }

  document.querySelectorAll("[data-md-editor]").forEach(function (editor) {
    var textarea = editor.querySelector("textarea");
    var toolbar = editor.querySelector(".md-toolbar");
    if (!textarea || !toolbar) { return; }
    editor.querySelector(".md-bar").hidden = false;
    rovingFocus(toolbar, "button");
    toolbar.addEventListener("click", function (ev) {
      var button = ev.target.closest("button[data-md]");
      if (button) { apply(editor, textarea, button.dataset.md); }
    });
    textarea.addEventListener("keydown", function (ev) {
      if (!(ev.ctrlKey || ev.metaKey) || ev.altKey || ev.shiftKey) { return; }
      var action = { b: "bold", i: "italic", k: "link" }[ev.key.toLowerCase()];
      if (action) { ev.preventDefault(); apply(editor, textarea, action); }
    });
    var tablist = editor.querySelector("[role=tablist]");
    if (!tablist) { return; }
    // a required text left empty: the browser must be able to show it, so back to the Write tab
    textarea.addEventListener("invalid", function () { showTab(editor, "write"); });
    tablist.addEventListener("click", function (ev) {
      var tab = ev.target.closest("[data-md-tab]");
      if (!tab) { return; }
      showTab(editor, tab.dataset.mdTab);
      if (tab.dataset.mdTab === "preview") { preview(editor, textarea); }
    });
    tablist.addEventListener("keydown", function (ev) {
      if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") { return; }
      var tabs = tablist.querySelectorAll("[data-md-tab]");
      var next = tabs[0].getAttribute("aria-selected") === "true" ? tabs[1] : tabs[0];
      next.focus();
      next.click();
      ev.preventDefault();
    });
  });

  // ---------------------------------------------------------------- pickers (WAI-ARIA combobox)
  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var select = document.getElementById(picker.dataset.select);
    var ui = picker.querySelector(".picker-ui");
    var input = picker.querySelector(".picker-input");
    var listbox = picker.querySelector(".picker-listbox");
    var chips = picker.querySelector(".picker-chips");
    var status = picker.querySelector("[data-picker-status]");
    if (!select || !ui || !input) { return; }
    var label = document.querySelector("label[for='" + select.id + "']");
    if (label) { label.htmlFor = input.id; label.id = label.id || input.id + "_label"; }
    var describedBy = select.getAttribute("aria-describedby");
    if (describedBy) { input.setAttribute("aria-describedby", describedBy + " " + input.getAttribute("aria-describedby")); }
    if (select.getAttribute("aria-invalid")) { input.setAttribute("aria-invalid", select.getAttribute("aria-invalid")); }
    // the error summary's link to the field leads to the box that is shown
    document.querySelectorAll("a[href='#" + select.id + "']").forEach(function (a) { a.setAttribute("href", "#" + input.id); });
    select.hidden = true;
    select.required = false;  // the server says what is missing; a hidden select cannot take the focus
    ui.hidden = false;
    var results = [], active = -1, timer = null, request = 0;

    function say(text) { status.textContent = text; }

    function renderChips() {
      chips.textContent = "";
      var chosen = Array.prototype.filter.call(select.selectedOptions, function (o) { return o.value; });
      chosen.forEach(function (option) {
        var li = document.createElement("li");
        li.className = "picker-chip";
        var name = document.createElement("span");
        name.textContent = option.textContent;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "picker-remove";
        remove.setAttribute("aria-label", format(picker.dataset.remove, { name: option.textContent }));
        remove.textContent = "×";
        remove.addEventListener("click", function () {
          option.selected = false;  // a single select falls back to its empty entry, if it has one
          renderChips();
          say(format(picker.dataset.removed, { name: option.textContent }));
          input.focus();
        });
        li.appendChild(name);
        // one of a single select is removed only where it has an empty entry to fall back to
        if (select.multiple || select.querySelector("option[value='']")) { li.appendChild(remove); }
        chips.appendChild(li);
      });
      chips.hidden = !chosen.length;
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = listbox.querySelectorAll("[role=option]");
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var item = results[index];
      if (!item) { return; }
      var option = select.querySelector("option[value='" + String(item.id).replace(/'/g, "") + "']");
      if (!option) {
        option = new Option(item.label, item.id);
        select.appendChild(option);
      }
      option.selected = true;
      input.value = "";
      close();
      renderChips();
      say(format(picker.dataset.added, { name: option.textContent }));
    }

    function render(items) {
      var chosen = {};
      Array.prototype.forEach.call(select.selectedOptions, function (o) { chosen[o.value] = true; });
      results = items.filter(function (item) { return !chosen[String(item.id)]; });
      listbox.textContent = "";
      results.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = input.id + "_option_" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = item.label;
        if (item.hint) {
          var hint = document.createElement("span");
          hint.className = "picker-hint";
          hint.textContent = " " + item.hint;
          li.appendChild(hint);
        }
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); });  // keep the focus in the box
        li.addEventListener("click", function () { choose(i); input.focus(); });
        listbox.appendChild(li);
      });
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "picker-none";
        none.textContent = picker.dataset.none;
        listbox.appendChild(none);
      }
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
      input.removeAttribute("aria-activedescendant");
      say(results.length ? format(picker.dataset.count, { n: results.length }) : picker.dataset.none);
    }

    // Without a source, the select's own options are the list (a short fixed one: the prefectures).
    function fold(text) { return text.normalize("NFKC").toLowerCase(); }
    function searchOptions(q) {
      var words = fold(q).split(/\s+/);
      var found = Array.prototype.filter.call(select.options, function (option) {
        var text = fold(option.textContent);
        return option.value && words.every(function (w) { return text.indexOf(w) >= 0; });
      });
      // names that start with what was typed first ("naga": Nagano before Kanagawa), else in list order
      found = found.map(function (option, i) { return [fold(option.textContent).indexOf(words[0]) === 0 ? 0 : 1, i, option]; })
        .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; }).map(function (entry) { return entry[2]; });
      render(found.slice(0, 20).map(function (option) { return { id: option.value, label: option.textContent }; }));
    }

    function search() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      if (!picker.dataset.source) { searchOptions(q); return; }
      var mine = ++request;
      var source = picker.dataset.source;
      fetch(source + (source.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(q), {
        credentials: "same-origin", headers: { "Accept": "application/json" },
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (data) {
        if (mine === request) { render(data.results || []); }
      }).catch(function () {
        if (mine === request) { close(); say(picker.dataset.failed); }
      });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (ev) {
      var open = !listbox.hidden;
      if (ev.key === "ArrowDown") {
        if (!open) { search(); } else { highlight(active + 1); }
        ev.preventDefault();
      } else if (ev.key === "ArrowUp" && open) {
        highlight(active - 1);
        ev.preventDefault();
      } else if (ev.key === "Enter" && open) {
        // Enter picks the highlighted entry (or the only one) and never submits the form from here
        ev.preventDefault();
        choose(active >= 0 ? active : (results.length === 1 ? 0 : -1));
      } else if (ev.key === "Escape") {
        if (open) { close(); } else { input.value = ""; }
        ev.preventDefault();
      } else if (ev.key === "Backspace" && !input.value && select.selectedOptions.length
                 && select.selectedOptions[select.selectedOptions.length - 1].value) {
        var last = select.selectedOptions[select.selectedOptions.length - 1];
        last.selected = false;
        renderChips();
        say(format(picker.dataset.removed, { name: last.textContent }));
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    renderChips();
  });

  // ---------------------------------------------------------------- filters
  // The filter panels are <details>: the page opens them when a filter is active or wrong; on a wide
  // screen they open here as well, so only narrow screens start with the results.
  var wide = window.matchMedia("(min-width: 52.01rem)");
  function openWide() {
    document.querySelectorAll("details[data-filters]").forEach(function (details) {
      if (wide.matches) { details.open = true; }
    });
  }
  openWide();
  if (wide.addEventListener) { wide.addEventListener("change", openWide); }
})();
