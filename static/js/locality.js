/* The locality autocomplete of the signing form: a WAI-ARIA 1.2 combobox with a listbox
   ("list autocomplete with manual selection", https://www.w3.org/WAI/ARIA/apg/patterns/combobox/).

   Progressive enhancement: without this script the typed text is matched on the server.
   With it, picking a suggestion also fills the hidden locality_code, so the server takes
   the signer's choice as it is. Labels come from data-* attributes the server translated. */
(function () {
  "use strict";

  var input = document.querySelector("input[data-places-url]");
  if (!input || !window.fetch) { return; }
  var form = input.form;
  var code = form.querySelector("input[name=locality_code]");
  var mandate = form.querySelector("select[name=mandate]");
  var kinds = JSON.parse(input.getAttribute("data-kinds") || "{}");
  var PLACELESS = JSON.parse(input.getAttribute("data-placeless") || "[]");

  var listbox = document.createElement("ul");
  listbox.id = input.id + "-listbox";
  listbox.className = "combobox-listbox";
  listbox.setAttribute("role", "listbox");
  var label = form.querySelector("label[for='" + input.id + "']");
  if (label) {
    label.id = label.id || input.id + "-label";
    listbox.setAttribute("aria-labelledby", label.id);
  }
  listbox.hidden = true;

  var status = document.createElement("div");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");

  var wrapper = document.createElement("div");
  wrapper.className = "combobox";
  input.parentNode.insertBefore(wrapper, input);
  wrapper.appendChild(input);
  wrapper.appendChild(listbox);
  wrapper.appendChild(status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listbox.id);
  input.setAttribute("autocomplete", "off");

  var results = [];
  var active = -1;
  var asked = 0;  // answers to older questions are dropped
  var timer = null;

  function kind() { return mandate ? kinds[mandate.value] : "commune"; }

  function announce(count) {
    var text;
    if (count === 0) { text = input.getAttribute("data-none"); }
    else if (count === 1) { text = input.getAttribute("data-one"); }
    else { text = input.getAttribute("data-many").replace("%(count)s", count); }
    status.textContent = text;
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
    for (var i = 0; i < options.length; i++) {
      options[i].setAttribute("aria-selected", i === active ? "true" : "false");
    }
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({block: "nearest"});
  }

  function pick(index) {
    var place = results[index];
    if (!place) { return; }
    input.value = place.label;
    if (code) { code.value = place.code; }
    close();
  }

  function show(found) {
    results = found;
    listbox.textContent = "";
    found.forEach(function (place, index) {
      var option = document.createElement("li");
      option.id = input.id + "-option-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.textContent = place.label;
      if (place.postal_codes.length) {
        var postal = document.createElement("span");
        postal.className = "combobox-postal";
        postal.textContent = " " + place.postal_codes.slice(0, 3).join(", ");
        option.appendChild(postal);
      }
      // Keep the focus in the input, where screen readers expect it.
      option.addEventListener("mousedown", function (event) { event.preventDefault(); });
      option.addEventListener("click", function () { pick(index); input.focus(); });
      listbox.appendChild(option);
    });
    active = -1;
    input.removeAttribute("aria-activedescendant");
    listbox.hidden = found.length === 0;
    input.setAttribute("aria-expanded", found.length ? "true" : "false");
    announce(found.length);
  }

  function ask() {
    var query = input.value.trim();
    var wanted = kind();
    if (!wanted || query.length < 2) { show([]); status.textContent = ""; return; }
    var number = ++asked;
    var url = input.getAttribute("data-places-url") + "?kind=" + encodeURIComponent(wanted) +
      "&q=" + encodeURIComponent(query);
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : {results: []}; })
      .then(function (answer) { if (number === asked) { show(answer.results || []); } })
      .catch(function () { if (number === asked) { close(); } });
  }

  input.addEventListener("input", function () {
    if (code) { code.value = ""; }  // typed again: the server will match the text
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });

  input.addEventListener("keydown", function (event) {
    var open = !listbox.hidden;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!open && results.length) { listbox.hidden = false; input.setAttribute("aria-expanded", "true"); }
        if (results.length) { highlight(active + 1); }
        break;
      case "ArrowUp":
        event.preventDefault();
        if (!open && results.length) { listbox.hidden = false; input.setAttribute("aria-expanded", "true"); }
        if (results.length) { highlight(active < 0 ? -1 : active - 1); }
        break;
      case "Enter":
        if (open && active >= 0) { event.preventDefault(); pick(active); }
        break;
      case "Escape":
        if (open) { event.preventDefault(); close(); }
        else if (input.value) { event.preventDefault(); input.value = ""; if (code) { code.value = ""; } }
        break;
      case "Tab":
        close();
        break;
    }
  });

  input.addEventListener("blur", close);

  // Only the fields the chosen mandate needs are shown.
  function fieldOf(name) {
    var element = form.querySelector("[name=" + name + "]");
    return element && element.closest(".field");
  }
  var localityField = fieldOf("locality");
  var departementField = fieldOf("departement");
  var circonscriptionField = fieldOf("circonscription");
  var mandateOtherField = fieldOf("mandate_other");
  var partyDetailField = fieldOf("party_detail");
  var party = form.querySelector("[name=party]");
  var partiesWithDetail = party ? JSON.parse(party.getAttribute("data-with-detail") || "[]") : [];

  // An "other" field shows only once "other" is chosen; shown, it is needed, so its
  // label loses the "(optional)" it carries for readers without JavaScript.
  function showWhen(field, shown) {
    if (!field) { return; }
    var label = field.querySelector("label");
    if (label && !label.hasAttribute("data-optional-label")) {
      label.setAttribute("data-optional-label", label.textContent);
    }
    field.hidden = !shown && !field.classList.contains("has-error");
    if (label) {
      var text = label.getAttribute("data-optional-label");
      label.textContent = field.hidden ? text : text.replace(/\s*\([^()]*\)(?=\s*:?\s*$)/, "");
    }
  }

  function adaptParty() {
    showWhen(partyDetailField, party && partiesWithDetail.indexOf(party.value) !== -1);
  }
  if (party) { party.addEventListener("change", adaptParty); }
  adaptParty();

  function adapt() {
    var value = mandate ? mandate.value : "";
    var placeless = PLACELESS.indexOf(value) !== -1;
    // A département is chosen in its own list: its mandates do not type it again.
    if (localityField) {
      localityField.hidden = (placeless || kinds[value] === "departement") &&
        !localityField.classList.contains("has-error");
    }
    if (departementField) { departementField.hidden = placeless; }
    if (circonscriptionField) {
      circonscriptionField.hidden = value !== "deputy" &&
        !circonscriptionField.classList.contains("has-error");
    }
    showWhen(mandateOtherField, value === "other");
  }

  if (mandate) {
    mandate.addEventListener("change", function () {
      if (code) { code.value = ""; }
      results = [];
      close();
      adapt();
    });
  }
  adapt();
}());
