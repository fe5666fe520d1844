// The shopper's page: ask for the status every few seconds until it is final. The moment the
// request is paid, expired or cancelled the code and the transfer details leave the page (a
// re-scan must never pay twice) and the final state takes their place; a partial payment
// reloads the page, whose code is then for the remainder only.
(function () {
  "use strict";
  var root = document.getElementById("pay");
  function $(id) { return document.getElementById(id); }

  function showFinal(view) {
    var open = $("pay-open");
    if (open) open.parentNode.removeChild(open);       // the QR and the account/amount/content
    $("final-headline").textContent = view.headline;
    $("final-amount").textContent = view.final_amount_text || "";
    $("final-time").textContent = view.settled_text;
    $("final-detail").textContent = view.detail;
    $("final-next").textContent = view.next_step;
    $("pay-final").querySelector(".final-mark").textContent =
      ["paid", "overpaid", "paid_late"].indexOf(view.status) >= 0 ? "✓" : "✕";
    $("pay-final").hidden = false;
  }

  function check() {
    fetch("/pay/" + root.dataset.reference + "/status" + location.search, {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (view) {
        if (!view) { setTimeout(check, 5000); return; }
        document.body.className = "pay status-" + view.status;
        if (view.final) {
          root.dataset.status = view.status;
          showFinal(view);
          return;
        }
        if (view.status !== root.dataset.status || String(view.due) !== root.dataset.due ||
            (view.payable ? "1" : "0") !== root.dataset.payable) {
          // A partial payment (the code on screen is for the full amount) or the remainder's code
          // expired: take the code away at once, then load the page as it is now.
          var code = $("pay-code");
          if (code) code.parentNode.removeChild(code);
          var details = $("pay-details");
          if (details) details.parentNode.removeChild(details);
          location.reload();
          return;
        }
        if ($("pay-status")) $("pay-status").textContent = view.status_text;
        setTimeout(check, 2500);
      })
      .catch(function () { setTimeout(check, 5000); });
  }
  if ($("pay-final").hidden) setTimeout(check, 2500);
})();
