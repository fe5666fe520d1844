// The shopper's page: ask for the status every few seconds until it is final.
(function () {
  "use strict";
  var root = document.getElementById("pay");
  var final = ["paid", "overpaid", "paid_late", "expired", "cancelled"];
  function check() {
    fetch("/pay/" + root.dataset.reference + "/status" + location.search, {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (view) {
        if (!view) return;
        document.getElementById("pay-status").textContent = view.status_text;
        document.body.className = "pay status-" + view.status;
        root.dataset.status = view.status;
        if (final.indexOf(view.status) < 0) setTimeout(check, 2500);
      })
      .catch(function () { setTimeout(check, 5000); });
  }
  if (final.indexOf(root.dataset.status) < 0) setTimeout(check, 2500);
})();
