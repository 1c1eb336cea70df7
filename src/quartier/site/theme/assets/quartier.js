/* Quartier: open-now badges, maps and search, in the visitor's browser.
   Leaflet and Pagefind load only on pages that use them; nothing comes from a CDN. */
(function () {
  "use strict";

  function base() {
    var cfg = document.getElementById("__config");
    var b = cfg ? JSON.parse(cfg.textContent).base : ".";
    return b.replace(/\/$/, "") || ".";
  }

  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement(tag);
      Object.keys(attrs).forEach(function (k) { el[k] = attrs[k]; });
      el.onload = resolve;
      el.onerror = reject;
      document.head.appendChild(el);
    });
  }

  /* "Open now" from the weekly schedule, in the business's own timezone. */
  var DAYS = { Mon: "Mo", Tue: "Tu", Wed: "We", Thu: "Th", Fri: "Fr", Sat: "Sa", Sun: "Su" };
  function openNow(el) {
    var schedule = JSON.parse(el.dataset.schedule || "{}");
    var parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: el.dataset.tz, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date());
    var get = function (type) { return parts.find(function (p) { return p.type === type; }).value; };
    var day = DAYS[get("weekday")], now = get("hour") + ":" + get("minute");
    var open = (schedule[day] || []).some(function (slot) { return slot[0] <= now && now < slot[1]; });
    el.textContent = open ? el.dataset.open : el.dataset.closed;
    el.className += open ? " q-open-now--open" : " q-open-now--closed";
    el.hidden = false;
  }

  /* Leaflet's buttons speak English; the page gives their words in its language. */
  function controls(L, map, el) {
    L.control.zoom({ zoomInTitle: el.dataset.zoomIn, zoomOutTitle: el.dataset.zoomOut }).addTo(map);
    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) { close.setAttribute("aria-label", el.dataset.close); }
    });
  }

  function tiles(L, map, el) {
    controls(L, map, el);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    L.tileLayer(el.dataset.tiles, {
      maxZoom: 19,
      attribution: '<a href="' + el.dataset.attributionUrl + '">' + el.dataset.attribution + "</a>"
    }).addTo(map);
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  /* The list under the map, from the same GeoJSON: it works without tiles. */
  function list(data, prefix) {
    var ul = document.getElementById("q-map-list");
    if (!ul) { return; }
    var features = data.features.slice().sort(function (a, b) {
      return a.properties.name.localeCompare(b.properties.name, document.documentElement.lang);
    });
    var html = features.map(function (f) {
      var p = f.properties;
      return '<li><a href="' + prefix + "businesses/" + encodeURIComponent(p.id) + '/">' +
        escapeHtml(p.name) + '</a> <span class="q-small">' + escapeHtml(p.locality) +
        '</span><br><span class="q-small">' + escapeHtml(p.summary || "") + "</span></li>";
    });
    ul.innerHTML = html.join("");
  }

  function smallMap(L, el) {
    var point = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    var map = L.map(el, { scrollWheelZoom: false, zoomControl: false }).setView(point, 16);
    tiles(L, map, el);
    L.marker(point, { title: el.dataset.name, alt: el.dataset.name }).addTo(map)
      .bindPopup(escapeHtml(el.dataset.name));
    el.dataset.markers = "1";
  }

  function bounds(text) {
    var b = text.split(",").map(parseFloat);
    return [[b[1], b[0]], [b[3], b[2]]];
  }

  function bigMap(L, el) {
    var areas = document.querySelectorAll(".q-area");
    var map = L.map(el, { zoomControl: false })
      .fitBounds(bounds(areas.length ? areas[0].dataset.bbox : el.dataset.bbox));
    areas.forEach(function (button) {
      button.addEventListener("click", function () { map.fitBounds(bounds(button.dataset.bbox)); });
    });
    tiles(L, map, el);
    return fetch(el.dataset.geojson).then(function (r) { return r.json(); }).then(function (data) {
      var layer = L.geoJSON(data, {
        pointToLayer: function (feature, point) {
          return L.marker(point, { title: feature.properties.name, alt: feature.properties.name });
        },
        onEachFeature: function (feature, marker) {
          var p = feature.properties;
          marker.bindPopup('<a href="' + el.dataset.prefix + "businesses/" + encodeURIComponent(p.id) +
            '/">' + escapeHtml(p.name) + "</a><br>" + escapeHtml(p.summary || ""));
        }
      }).addTo(map);
      el.dataset.markers = String(layer.getLayers().length);
      list(data, el.dataset.prefix);
    });
  }

  function maps() {
    var els = document.querySelectorAll(".q-map");
    if (!els.length) { return; }
    var root = base() + "/assets/leaflet/";
    load("link", { rel: "stylesheet", href: root + "leaflet.css" });
    load("script", { src: root + "leaflet.js" }).then(function () {
      var L = window.L;
      L.Icon.Default.imagePath = root + "images/";
      els.forEach(function (el) { el.id === "q-map" ? bigMap(L, el) : smallMap(L, el); });
    });
  }

  /* A large directory's search index comes in pieces (quartier.site.search_index):
     pagefind/pieces.json says how many, and the pieces after the main one are merged
     into it with Pagefind's multisite search. Without the file: one index. */
  function pieces(root) {
    return fetch(root + "pieces.json").then(function (r) { return r.ok ? r.json() : {}; })
      .catch(function () { return {}; })
      .then(function (data) {
        var n = Math.min(Math.floor(Number(data.pieces)) || 1, 10000), merge = [];
        for (var i = 1; i < n; i++) {
          merge.push({ bundlePath: new URL(root + i + "/", window.location.href).pathname });
        }
        return merge;
      });
  }

  function search() {
    var el = document.getElementById("q-search");
    if (!el) { return; }
    var root = base() + "/pagefind/";
    load("link", { rel: "stylesheet", href: root + "pagefind-ui.css" });
    Promise.all([load("script", { src: root + "pagefind-ui.js" }), pieces(root)]).then(function (got) {
      new window.PagefindUI({
        element: "#q-search", showSubResults: false, showImages: false, resetStyles: false,
        translations: { placeholder: el.dataset.placeholder }, mergeIndex: got[1]
      });
    });
  }

  function start() {
    document.querySelectorAll(".q-open-now").forEach(openNow);
    maps();
    search();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
