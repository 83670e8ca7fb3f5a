// Suggests communes as the person types, by filling the <datalist> of a commune
// field. Without JavaScript the field still works: the server resolves the text.
(function () {
  "use strict";
  var inputs = document.querySelectorAll("[data-commune-input]");
  Array.prototype.forEach.call(inputs, function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      var query = input.value.trim();
      if (query.length < 2 || query === last || /\(\d{5}\)$/.test(query)) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        last = query;
        fetch("/communes/?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            list.textContent = "";
            data.results.forEach(function (commune) {
              var option = document.createElement("option");
              option.value = commune.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a convenience */ });
      }, 200);
    });
  });
})();
