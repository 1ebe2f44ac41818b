// Halls near me (预约办事): the "use my location" button fills lat/lng from the browser and submits the search.
(function () {
  var b = document.getElementById("locate");
  if (!navigator.geolocation || !b) return;
  b.hidden = false;
  b.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (p) {
      document.getElementById("lat").value = p.coords.latitude.toFixed(5);
      document.getElementById("lng").value = p.coords.longitude.toFixed(5);
      document.getElementById("near-form").submit();
    });
  });
})();
