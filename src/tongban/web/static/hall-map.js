// 政务服务地图 (/halls/map): "使用我的位置" asks the browser for the position only when clicked, then reloads the map
// with lat/lng (three decimals, about 100 m: enough to find the nearest hall). Without this script the page still
// works: people choose their district or street from the list.
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  var message = document.getElementById("locate-message");
  if (!button || !message) return;
  var CHOOSE = "请在上面选择您所在的区县或街道。";

  function say(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    if (!navigator.geolocation) {
      say("您的浏览器不支持定位。" + CHOOSE);
      return;
    }
    if (window.isSecureContext === false) {
      say("当前不是安全连接（https），浏览器不允许网站定位。" + CHOOSE);
      return;
    }
    button.disabled = true;
    say("正在获取您的位置……");
    navigator.geolocation.getCurrentPosition(function (position) {
      var target = button.getAttribute("data-target") || window.location.pathname;
      window.location.assign(target + "?lat=" + position.coords.latitude.toFixed(3) +
        "&lng=" + position.coords.longitude.toFixed(3));
    }, function (failure) {
      button.disabled = false;
      say(failure.code === 1
        ? "您没有允许本网站使用位置。" + CHOOSE
        : "暂时无法获取您的位置，请稍后再试。" + CHOOSE);
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
  });
})();
