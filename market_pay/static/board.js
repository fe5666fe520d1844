// The stall board: live confirmations (server-sent events), spoken in Vietnamese; cash in two
// taps; a dynamic QR that turns green when the bank confirms it. Plain JS, no framework: the
// page must load fast on a weak 3G signal.
(function () {
  "use strict";
  var root = document.getElementById("board");
  var words = JSON.parse(root.dataset.words);
  var vendor = root.dataset.vendor;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var lastKey = "market_pay:last-seq:" + vendor;      // the feed number announced last
  var $ = function (id) { return document.getElementById(id); };

  // ---- speech ---------------------------------------------------------------------------
  function say(sentence) {
    if (!("speechSynthesis" in window)) return;
    var utterance = new SpeechSynthesisUtterance(sentence);
    utterance.lang = "vi-VN";
    var voice = speechSynthesis.getVoices().filter(function (v) { return /^vi/i.test(v.lang); })[0];
    if (voice) utterance.voice = voice;
    utterance.rate = 0.9;                              // a little slower: a noisy market, older ears
    speechSynthesis.speak(utterance);
  }
  $("sound").addEventListener("click", function () {
    say(words.live);                                   // browsers speak only after a tap
    $("sound").hidden = true;
  });

  function toast(message) {
    var el = $("toast");
    el.textContent = message;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { el.textContent = ""; }, 6000);
  }

  function showSummary(summary) {
    // An account change asked (or settled) elsewhere: reload to show its notice, unless the
    // vendor is in the middle of a dialog (the next refresh does it).
    if ("pending_changes" in summary && String(summary.pending_changes) !== root.dataset.pending &&
        !document.querySelector("dialog[open]")) { location.reload(); return; }
    $("cashless-total").textContent = summary.cashless_text;
    $("cashless-count").textContent = summary.cashless_count;
    $("cash-total").textContent = summary.cash_text;
    $("cash-count").textContent = summary.cash_count;
    if (!("quiet" in summary)) return;                 // the event stream leaves the alert to the refresh
    var quiet = $("quiet");
    quiet.hidden = !summary.quiet;
    if (summary.quiet) quiet.textContent = words.quiet_alert.replace("{minutes}", summary.quiet.quiet_minutes);
  }

  function post(url, body, extraHeaders) {
    var headers = {"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf};
    for (var name in (extraHeaders || {})) headers[name] = extraHeaders[name];
    return fetch(url, {method: "POST", headers: headers, body: JSON.stringify(body || {}), credentials: "same-origin"})
      .then(function (response) {
        if (response.status === 401) { location.href = "/stall/login"; throw new Error("signed out"); }
        return response.json().then(function (data) {
          if (!response.ok) throw new Error(data.message || words.error_retry);
          return data;
        });
      });
  }

  // ---- live confirmations ------------------------------------------------------------------
  function announced() { return parseInt(localStorage.getItem(lastKey) || "0", 10); }

  function showPayment(item) {
    var li = document.createElement("li");
    li.className = item.warning ? "payment warning" : "payment";
    li.dataset.seq = item.seq;
    var amount = document.createElement("span");
    amount.className = "amount";
    amount.textContent = (item.kind === "reversal" ? "− " : "") + item.amount_text;
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = item.time + (item.payer_name ? " · " + item.payer_name : "") +
      (item.kind === "reversal" ? " · " + words.reversed : item.warning ? " · " + words.warning : "");
    li.appendChild(amount);
    li.appendChild(meta);
    var list = $("payments");
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 30) list.removeChild(list.lastChild);
  }

  function onPayment(item) {
    if (item.seq <= announced()) return;                // shown and said once, never twice
    localStorage.setItem(lastKey, String(item.seq));
    showPayment(item);
    say(item.speech);
    if (qr.reference && item.request_reference === qr.reference) refreshQr();
  }

  var source = null;
  // A refused or failed stream (429 once the stall has its boards open, a restart, no network) is
  // retried later and later, with jitter, so many tabs or phones never retry in step or in a loop.
  var retryDelay = 3000;
  function connect() {
    var after = localStorage.getItem(lastKey);
    // First visit on this device: start from now (the server sends nothing old).
    source = new EventSource("/stall/events" + (after ? "?after=" + encodeURIComponent(after) : ""));
    source.addEventListener("open", function () {
      retryDelay = 3000;
      $("link-state").textContent = words.live; root.classList.remove("offline");
    });
    source.addEventListener("error", function () {
      $("link-state").textContent = words.offline;
      root.classList.add("offline");
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, retryDelay + Math.random() * retryDelay / 2);
        retryDelay = Math.min(retryDelay * 2, 60000);
        checkSignedIn();
      }
    });
    source.addEventListener("missed", function (event) {
      var data = JSON.parse(event.data);
      $("missed").hidden = false;
      $("missed").textContent = data.speech;
      say(data.speech);
    });
    source.addEventListener("payment", function (event) { onPayment(JSON.parse(event.data)); });
    source.addEventListener("summary", function (event) { showSummary(JSON.parse(event.data)); });
    source.addEventListener("signed_out", function () { source.close(); location.href = "/stall/login"; });
  }
  function checkSignedIn() {
    fetch("/stall/summary", {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { if (r.status === 401) location.href = "/stall/login"; }).catch(function () {});
  }
  if (!localStorage.getItem(lastKey)) localStorage.setItem(lastKey, root.dataset.seq);
  connect();

  // ---- keypad (cash and QR amounts) ----------------------------------------------------------
  var keypad = $("keypad"), typed = "", onConfirm = null;
  function formatVnd(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".") + " ₫"; }
  function render() { $("keypad-amount").textContent = formatVnd(parseInt(typed || "0", 10)); }
  function openKeypad(title, confirm) {
    typed = ""; render(); $("keypad-title").textContent = title; onConfirm = confirm;
    keypad.showModal();
  }
  keypad.addEventListener("click", function (event) {
    var key = event.target.dataset.key, preset = event.target.dataset.preset;
    if (preset) { typed = preset; }
    else if (key === "⌫") { typed = typed.slice(0, -1); }
    else if (key && (typed + key).length <= 10) { typed = (typed + key).replace(/^0+/, ""); }
    render();
  });
  $("keypad-cancel").addEventListener("click", function () { keypad.close(); });
  $("keypad-confirm").addEventListener("click", function () {
    var amount = parseInt(typed || "0", 10);
    if (amount > 0 && onConfirm) { keypad.close(); onConfirm(amount); }
  });

  // ---- cash --------------------------------------------------------------------------------
  var lastCash = null;
  $("open-cash").addEventListener("click", function () {
    openKeypad(words.cash, function (amount) {
      post("/stall/cash", {amount: amount}).then(function (sale) {
        lastCash = sale;
        showSummary(sale.summary);
        toast(words.cash_saved.replace("{amount}", sale.amount_text));
        $("undo-cash").hidden = false;
      }).catch(function (error) { toast(error.message); });
    });
  });
  $("undo-cash").addEventListener("click", function () {
    if (!lastCash) return;
    post("/stall/cash/" + lastCash.id + "/undo").then(function (undone) {
      showSummary(undone.summary);
      toast(words.cash_undone.replace("{amount}", undone.amount_text));
      lastCash = null;
      $("undo-cash").hidden = true;
    }).catch(function (error) { toast(error.message); });
  });

  // ---- dynamic QR --------------------------------------------------------------------------
  // The screen is scannable only while paying it is right: once paid, expired or cancelled the
  // code gives way to one final state; once underpaid it shows the remainder's code (the server
  // decides: payments/request_states.py).
  var qr = {reference: null, timer: null, due: null};
  function showQrFinal(view) {
    $("qr-image").innerHTML = "";
    $("qr-amount").textContent = "";
    $("qr-final-mark").textContent = ["paid", "overpaid", "paid_late"].indexOf(view.status) >= 0 ? "✓" : "✕";
    $("qr-final-headline").textContent = view.headline;
    $("qr-final-amount").textContent = view.final_amount_text || "";
    $("qr-final-time").textContent = view.settled_text + (view.payer_name ? " · " + view.payer_name : "");
    $("qr-final-detail").textContent = view.next_step || view.detail || "";
    $("qr-final").hidden = false;
    $("qr-status").textContent = "";
    $("qr-expiry").textContent = "";
  }
  function showQr(view) {
    qr.reference = view.reference;
    var screen = $("qr-screen");
    screen.className = "qr-screen status-" + view.status;
    $("qr-stall").textContent = words.stall + " " + view.stall_code + " · " + view.stall_name;
    $("qr-account-name").textContent = view.account_name;
    if (view.final) { showQrFinal(view); clearInterval(qr.timer); return; }
    $("qr-final").hidden = true;
    if (!view.payable) $("qr-image").innerHTML = "";      // underpaid after the expiry: no code
    else if (view.svg) $("qr-image").innerHTML = view.svg; // our own server-rendered SVG
    else if (qr.due !== null && qr.due !== view.due) { $("qr-image").innerHTML = ""; refreshQr(true); }
    qr.due = view.due;
    if (view.status === "underpaid") {
      $("qr-amount").textContent = view.headline;
      $("qr-status").textContent = view.payable ? view.detail : view.next_step;
    } else {
      $("qr-amount").textContent = view.amount_text;
      $("qr-status").textContent = words.qr_waiting;
    }
    $("qr-expiry").textContent = view.payable ? words.qr_expires.replace("{time}", view.expires_time) : "";
  }
  function refreshQr(withCode) {
    if (!qr.reference) return;
    fetch("/stall/qr/" + qr.reference + (withCode ? "?svg=1" : ""), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); }).then(showQr)
      .catch(function () {});
  }
  $("open-qr").addEventListener("click", function () {
    openKeypad(words.make_qr, function (amount) {
      // One key per intent: a retry after a dropped answer returns the same code, not a second.
      var key = "qr-" + Date.now() + "-" + Math.random().toString(36).slice(2);
      post("/stall/qr", {amount: amount}, {"Idempotency-Key": key}).then(function (view) {
        showQr(view);
        $("qr-screen").showModal();
        clearInterval(qr.timer);
        qr.timer = setInterval(refreshQr, 5000);       // the event stream is the fast path
      }).catch(function (error) { toast(error.message); });
    });
  });
  $("qr-close").addEventListener("click", function () {
    clearInterval(qr.timer); qr.reference = null; qr.due = null; $("qr-screen").close();
  });

  // ---- today -------------------------------------------------------------------------------
  $("today").addEventListener("click", function () {
    fetch("/stall/summary", {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); }).then(function (summary) { showSummary(summary); say(summary.speech); })
      .catch(function () { toast(words.error_retry); });
  });
  setInterval(function () {                            // cash typed on another device, the date turning
    fetch("/stall/summary", {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; }).then(function (s) { if (s) showSummary(s); })
      .catch(function () {});
  }, 60000);
})();
