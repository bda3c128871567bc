// The streamed import progress page calls showProgress() from the nonce-bearing script tags
// the server writes as rows are validated (no other inline code: the CSP allows only 'self').
function showProgress(done, total) {
  "use strict";
  document.getElementById("import-progress").value = done;
  document.getElementById("import-count").textContent =
    done.toLocaleString() + " / " + total.toLocaleString();
}
