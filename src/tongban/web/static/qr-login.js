// QR sign-in: asks every two seconds whether the phone confirmed, then goes on; the button does the same by hand.
(function () {
  var form = document.getElementById("qr-form"), status = document.getElementById("qr-status");
  if (!form) return;
  var timer = setInterval(function () {
    fetch("/login/qr/poll", {method: "POST", credentials: "same-origin", body: new FormData(form),
                              headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.status === "confirmed") { clearInterval(timer); window.location.href = body.next || "/account"; }
        else if (body.status === "expired") { clearInterval(timer); status.textContent = body.message + "（请点“刷新二维码”）"; }
      })
      .catch(function () {});
  }, 2000);
})();
