// /verify: where the browser can read barcodes from the camera, offer to scan.
(function () {
  "use strict";
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var button = document.getElementById("scan"), video = document.getElementById("camera");
  button.hidden = false;
  button.addEventListener("click", function () {
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
    });
  });
})();
