/* Quartier's maps: the map page (clusters, popups, the list of what is in view) and the
   small map of a business page. assets/quartier.js loads this file only on pages with a
   map; it loads Leaflet and Leaflet.markercluster from the site itself (never a CDN).

   The map page reads map/points.json (quartier.site.mapdata): per business
   [id, name, lat, lon, category index, status index, thumbnail?]. Markers are
   grouped into clusters, added in chunks so the page stays responsive at
   10,000 businesses. Everything but the background works without tiles. */
(function () {
  "use strict";

  var LIST_MAX = 100;       // items the list under the map shows at once
  var PIN = [44, 44];       // a marker's target: 44x44 CSS px (WCAG 2.2 2.5.8 asks 24)
  var MAX_ZOOM = 19;        // OpenStreetMap's tiles go to 19

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

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? String(values[key]) : all;
    });
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* Leaflet's buttons speak English; the page gives their words in its language. */
  function controls(L, map, el) {
    L.control.zoom({ zoomInTitle: el.dataset.zoomIn, zoomOutTitle: el.dataset.zoomOut }).addTo(map);
    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) { close.setAttribute("aria-label", el.dataset.close); }
    });
  }

  /* The background, when the directory names a tile server; without it (or when tiles
     are blocked) the markers, clusters and list work the same on a plain background. */
  function tiles(L, map, el) {
    controls(L, map, el);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    if (!el.dataset.tiles) { return; }
    L.tileLayer(el.dataset.tiles, {
      maxZoom: MAX_ZOOM,
      attribution: '<a href="' + escapeHtml(el.dataset.attributionUrl) + '">' +
        escapeHtml(el.dataset.attribution) + "</a>"
    }).addTo(map);
  }

  /* A DivIcon whose element carries an accessible name (Leaflet gives a cluster none). */
  function namedIcon(L) {
    return L.DivIcon.extend({
      createIcon: function (old) {
        var div = L.DivIcon.prototype.createIcon.call(this, old);
        if (this.options.label) { div.setAttribute("aria-label", this.options.label); }
        return div;
      }
    });
  }

  /* Pins drawn in CSS (quartier.css, block "Map"): a disc centred on the business in a
     44x44 target centred the same way as a cluster's, so neighbours never hide each
     other's targets; a closed business's disc is grey with a mark, and its name says so. */
  function pins(L, statuses) {
    var icons = {};
    statuses.forEach(function (status) {
      icons[status] = L.divIcon({
        className: "q-pin q-pin--" + status,
        html: '<span class="q-pin__head" aria-hidden="true"></span>',
        iconSize: PIN,
        popupAnchor: [0, -12]
      });
    });
    return icons;
  }

  function smallMap(L, el) {
    var point = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    var map = L.map(el, { scrollWheelZoom: false, zoomControl: false }).setView(point, 16);
    tiles(L, map, el);
    L.marker(point, { icon: pins(L, ["open"]).open, title: el.dataset.name }).addTo(map)
      .bindPopup(escapeHtml(el.dataset.name));
    el.dataset.markers = "1";
  }

  function bounds(text) {
    var b = text.split(",").map(parseFloat);
    return [[b[1], b[0]], [b[3], b[2]]];
  }

  /* One business's popup, built as elements: every text is the owner's, shown as text. */
  function popup(row, data, text, prefix) {
    var box = document.createElement("div");
    box.className = "q-popup";
    var thumb = row[6];
    if (thumb) {
      var img = document.createElement("img");
      img.src = prefix + thumb[0];
      img.width = thumb[1];
      img.height = thumb[2];
      img.alt = "";  // beside the business's name, which says what it is
      img.className = "q-popup__photo";
      box.appendChild(img);
    }
    var link = document.createElement("a");
    link.href = prefix + "businesses/" + encodeURIComponent(row[0]) + "/";
    link.textContent = row[1];
    link.className = "q-popup__name";
    box.appendChild(link);
    var line = document.createElement("div");
    line.className = "q-small";
    line.textContent = data.categories[row[4]] || "";
    box.appendChild(line);
    var status = data.statuses[row[5]];
    if (status !== "open") {
      var badge = document.createElement("span");
      badge.className = "q-status q-status--" + status;
      badge.textContent = text.status[status];
      box.appendChild(badge);
    }
    return box;
  }

  /* The list under the map: the businesses in view, by name, the first LIST_MAX of them,
     each with a button that brings its marker into view and opens its popup. */
  function listView(map, rows, data, text, prefix) {
    var ul = document.getElementById("q-map-list");
    var count = document.getElementById("q-map-count");
    if (!ul) { return function () {}; }
    return function () {
      var view = map.getBounds(), shown = [], total = 0;
      for (var i = 0; i < rows.length; i++) {
        if (view.contains(rows[i].latlng)) {
          total++;
          if (shown.length < LIST_MAX) { shown.push(rows[i].row); }
        }
      }
      ul.innerHTML = shown.map(function (row) {
        var status = data.statuses[row[5]], name = escapeHtml(row[1]);
        var badge = status === "open" ? "" : ' <span class="q-status q-status--' + status + '">' +
          escapeHtml(text.status[status]) + "</span>";
        return '<li><a href="' + prefix + "businesses/" + encodeURIComponent(row[0]) + '/">' +
          name + "</a>" + badge + ' <span class="q-small">' +
          escapeHtml(data.categories[row[4]] || "") + '</span> <button type="button" ' +
          'class="q-map-show" data-id="' + escapeHtml(row[0]) + '" aria-label="' +
          escapeHtml(text.show) + ": " + name + '">' + escapeHtml(text.show) + "</button></li>";
      }).join("");
      if (count) {
        var words = total ? fill(text.inView, { count: total }) : text.noneInView;
        if (total > shown.length) { words += " " + fill(text.capped, { shown: shown.length }); }
        count.textContent = words;
      }
      ul.dataset.total = String(total);
    };
  }

  function bigMap(L, el, dataPromise) {
    var text = JSON.parse(el.dataset.text);
    var prefix = el.dataset.prefix;
    var areas = document.querySelectorAll(".q-area");
    // Clusters are made for every zoom from minZoom to maxZoom; without a tile layer
    // the map has no maxZoom of its own, which Leaflet.markercluster needs.
    var map = L.map(el, { zoomControl: false, minZoom: 2, maxZoom: MAX_ZOOM })
      .fitBounds(bounds(areas.length ? areas[0].dataset.bbox : el.dataset.bbox));
    areas.forEach(function (button) {
      button.addEventListener("click", function () { map.fitBounds(bounds(button.dataset.bbox)); });
    });
    tiles(L, map, el);
    var Named = namedIcon(L);
    var group = L.markerClusterGroup({
      // Clustering 10,000 markers takes a while: in slices of 100 ms, so a tap is answered.
      chunkedLoading: true,
      chunkInterval: 100,
      chunkDelay: 10,
      maxClusterRadius: 80,
      showCoverageOnHover: false,
      iconCreateFunction: function (cluster) {
        var n = cluster.getChildCount();
        var size = n < 100 ? "small" : n < 1000 ? "medium" : "large";
        return new Named({
          className: "q-cluster q-cluster--" + size,
          html: "<span>" + n + "</span>",
          iconSize: PIN,
          label: fill(text.cluster, { count: n })
        });
      }
    });
    return dataPromise.then(function (data) {
      var icons = pins(L, data.statuses);
      var collator = new Intl.Collator(document.documentElement.lang || undefined);
      var rows = data.points.map(function (row) {
        return { row: row, latlng: L.latLng(row[2], row[3]) };
      });
      rows.sort(function (a, b) { return collator.compare(a.row[1], b.row[1]); });
      var markers = rows.map(function (item) {
        var row = item.row, status = data.statuses[row[5]];
        var title = status === "open" ? row[1] : row[1] + " (" + text.status[status] + ")";
        var marker = L.marker(item.latlng, { icon: icons[status], title: title });
        marker.quartierRow = row;
        return marker;
      });
      var byId = Object.create(null);
      markers.forEach(function (marker) { byId[marker.quartierRow[0]] = marker; });
      var open = function (marker) {
        marker.unbindPopup();
        marker.bindPopup(popup(marker.quartierRow, data, text, prefix), { maxWidth: 240 }).openPopup();
      };
      group.on("click", function (event) {
        if (event.layer.quartierRow) { open(event.layer); }
      });
      /* Enter on a focused pin or cluster does what a click does. Leaflet 1.9 sends it as
         a keypress, which Leaflet.markercluster 1.4.1 does not read (1.5.1 does, the same
         way): its own handler already gives the map the focus back after a key. */
      var enter = function (event) { return event.originalEvent && event.originalEvent.keyCode === 13; };
      group.on("keypress", function (event) {
        if (enter(event) && event.layer.quartierRow) { open(event.layer); }
      });
      group.on("clusterkeypress", function (event) {
        if (enter(event)) { group._zoomOrSpiderfy(event); }
      });
      var ul = document.getElementById("q-map-list");
      if (ul) {
        ul.addEventListener("click", function (event) {
          var button = event.target.closest ? event.target.closest(".q-map-show") : null;
          var marker = button && byId[button.dataset.id];
          if (!marker) { return; }
          el.scrollIntoView({ block: "nearest" });
          group.zoomToShowLayer(marker, function () {
            open(marker);
            var link = marker.getPopup().getElement().querySelector("a");
            if (link) { link.focus(); }
          });
        });
      }
      var update = listView(map, rows, data, text, prefix);
      map.on("moveend", update);
      update();
      return new Promise(function (resolve) {
        group.options.chunkProgress = function (done, total) {
          // Called once with 0 of 0 when the empty group joins the map: not the end.
          if (total === markers.length && done === total) { resolve(); }
        };
        map.addLayer(group);
        if (!markers.length) { resolve(); }
        group.addLayers(markers);
      }).then(function () {
        el.dataset.markers = String(markers.length);
      });
    });
  }

  function start() {
    var els = document.querySelectorAll(".q-map");
    if (!els.length) { return; }
    var root = base() + "/assets/leaflet/";
    var big = document.getElementById("q-map");
    // The data comes while the libraries load.
    var data = big ? fetch(big.dataset.points).then(function (r) { return r.json(); }) : null;
    load("link", { rel: "stylesheet", href: root + "leaflet.css" });
    var ready = load("script", { src: root + "leaflet.js" });
    if (big) {
      load("link", { rel: "stylesheet", href: root + "markercluster/MarkerCluster.css" });
      ready = ready.then(function () {
        return load("script", { src: root + "markercluster/leaflet.markercluster.js" });
      });
    }
    ready.then(function () {
      var L = window.L;
      els.forEach(function (el) { el === big ? bigMap(L, el, data) : smallMap(L, el); });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
