// Search as you type on the person search page: after a pause in the name field, the results
// fragment is fetched (?partial=1) and swapped in. Served by the app (no CDN); the form works
// without it. Each fetch is an audited search like a submitted one, so it waits for 3 letters
// and a pause of 400 ms.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-search]");
  if (!form || !window.fetch) { return; }
  var target = document.getElementById(form.dataset.results);
  var name = form.querySelector("input[name=name]");
  if (!target || !name) { return; }
  var timer = null;
  var sequence = 0;

  function query() {
    var params = new URLSearchParams(new FormData(form));
    var empty = [];
    params.forEach(function (value, key) { if (!value) { empty.push(key); } });
    empty.forEach(function (key) { params.delete(key); });
    return params;
  }

  function run() {
    var params = query();
    if ((params.get("name") || "").trim().length < 3) { return; }
    var mine = ++sequence;
    var shown = params.toString();
    params.set("partial", "1");
    form.setAttribute("aria-busy", "true");
    fetch(form.dataset.liveSearch + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok || response.redirected) { return null; }
      return response.text();
    }).then(function (html) {
      if (html === null || mine !== sequence) { return; }
      target.innerHTML = html;
      window.history.replaceState(null, "", form.dataset.liveSearch + "?" + shown);
    }).catch(function () { /* the submit button still works */ })
      .then(function () { if (mine === sequence) { form.removeAttribute("aria-busy"); } });
  }

  name.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, 400);
  });
})();
