/* The thanks page: a "copy the link" button beside the link's field.
   Without this script the field stays, selectable, and nothing else is needed. */
(function () {
  "use strict";
  var field = document.querySelector("input.share-url");
  if (!field || !navigator.clipboard) { return; }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button";
  button.textContent = field.getAttribute("data-copy-label");
  var status = document.createElement("p");
  status.setAttribute("role", "status");
  field.parentNode.appendChild(button);
  field.parentNode.appendChild(status);
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      status.textContent = field.getAttribute("data-copied");
    }, function () { field.select(); });
  });
  field.addEventListener("focus", function () { field.select(); });
}());
