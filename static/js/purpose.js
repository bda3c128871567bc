// Fill the purpose text remembered for the chosen code (still editable).
(function () {
  "use strict";
  var data = document.getElementById("remembered-purposes");
  var code = document.getElementById("id_code");
  var text = document.getElementById("id_text");
  if (!data || !code || !text) return;
  var remembered = JSON.parse(data.textContent);
  code.addEventListener("change", function () {
    if (remembered[code.value] && !text.value.trim()) text.value = remembered[code.value];
  });
})();
