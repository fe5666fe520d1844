// /verify: offer to scan with the camera only where it can work: a camera (getUserMedia, which
// needs HTTPS) and a browser that reads QR codes (BarcodeDetector with "qr_code"). Elsewhere the
// page keeps its photo and paste options and promises nothing more.
(function () {
  "use strict";
  var button = document.getElementById("scan"), video = document.getElementById("camera");
  // The decision, for tests and support: data-camera="yes" or "no" on <body>.
  function decided(offer) { document.body.setAttribute("data-camera", offer ? "yes" : "no"); }
  if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices ||
      typeof navigator.mediaDevices.getUserMedia !== "function") { decided(false); return; }
  var formats = typeof BarcodeDetector.getSupportedFormats === "function"
    ? BarcodeDetector.getSupportedFormats() : Promise.resolve(["qr_code"]);
  formats.then(function (supported) {
    var offer = supported.indexOf("qr_code") >= 0;
    if (offer) {
      button.hidden = false;
      button.addEventListener("click", scan);
    }
    decided(offer);
  }).catch(function () { decided(false); /* no detector after all: the camera is never offered */ });

  function scan() {
    var detector = new BarcodeDetector({formats: ["qr_code"]});
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      (function look() {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (track) { track.stop(); });
            location.href = "/verify?payload=" + encodeURIComponent(codes[0].rawValue);
          } else { requestAnimationFrame(look); }
        }).catch(function () { requestAnimationFrame(look); });
      })();
    }).catch(function () {
      // Permission refused or no camera: take the promise back; the photo option stays.
      button.hidden = true;
    });
  }
})();
