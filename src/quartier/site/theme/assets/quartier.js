/* Quartier: open-now badges, maps and search, in the visitor's browser.
   Leaflet (through assets/map.js) and Pagefind load only on pages that use them;
   nothing comes from a CDN. */
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
  /* The next opening after ``now``: today's later slot, else the first slot of a later day. */
  var WEEK = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
  function nextOpening(schedule, day, now) {
    var start = WEEK.indexOf(day);
    for (var k = 0; k < 8; k++) {
      var d = WEEK[(start + k) % 7];
      var starts = (schedule[d] || []).map(function (slot) { return slot[0]; }).sort();
      for (var i = 0; i < starts.length; i++) {
        if (k > 0 || starts[i] > now) { return { day: d, time: starts[i], later: k > 0 }; }
      }
    }
    return null;
  }

  function openNow(el) {
    var schedule = JSON.parse(el.dataset.schedule || "{}");
    var parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: el.dataset.tz, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date());
    var get = function (type) { return parts.find(function (p) { return p.type === type; }).value; };
    var day = DAYS[get("weekday")], now = get("hour") + ":" + get("minute");
    var open = (schedule[day] || []).some(function (slot) { return slot[0] <= now && now < slot[1]; });
    var text = open ? el.dataset.open : el.dataset.closed;
    var next = open ? null : nextOpening(schedule, day, now);
    if (next && el.dataset.opens) {
      /* PA: "Closed now, opens Tuesday 09:00" (or "today 14:00"), in the page's language. */
      var names = JSON.parse(el.dataset.days || "{}");
      var when = (next.later ? names[next.day] || next.day : el.dataset.today) + " " + next.time;
      text = el.dataset.opens.replace("{when}", when);
    }
    el.textContent = text;
    el.className += open ? " q-open-now--open" : " q-open-now--closed";
    el.hidden = false;
  }

  /* Maps: assets/map.js, which loads Leaflet and its clustering, only on pages with one. */
  function maps() {
    if (document.querySelector(".q-map")) { load("script", { src: base() + "/assets/map.js" }); }
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
      /* PC: no "(0)" filters; excerpts are the business's summary (see excerpt). */
      new window.PagefindUI({
        element: "#q-search", showSubResults: false, showImages: false, resetStyles: false,
        showEmptyFilters: false, processResult: excerpt,
        translations: { placeholder: el.dataset.placeholder }, mergeIndex: got[1]
      });
      label(el);
    });
  }

  /* PC: a result's excerpt is its summary (the page's meta, as text): Pagefind's own excerpt
     may fall in the hidden taxonomy words or run headings and paragraphs together. The
     excerpt is shown as HTML, so the summary is escaped here. */
  function excerpt(result) {
    var key = Object.keys(result.meta || {}).filter(function (k) {
      return k !== "title" && k !== "image" && k !== "image_alt";
    })[0];
    if (key && result.meta[key]) {
      result.excerpt = highlight(result.meta[key], marked(result.excerpt));
      delete result.meta[key]; /* shown once, as the excerpt, not again as a tag */
    }
    return result;
  }

  /* The words Pagefind marked in its excerpt, read in an inert <template> (nothing loads or runs). */
  function marked(html) {
    var t = document.createElement("template");
    t.innerHTML = html || "";
    var words = {};
    Array.prototype.forEach.call(t.content.querySelectorAll("mark"), function (m) {
      var w = m.textContent.trim().toLowerCase();
      if (w) { words[w] = true; }
    });
    return Object.keys(words);
  }

  /* ``text`` as HTML, with ``words`` marked: built as text nodes, so the text stays text. */
  function highlight(text, words) {
    var box = document.createElement("span");
    if (!words.length) { box.textContent = text; return box.innerHTML; }
    var re = new RegExp("(" + words.map(function (w) {
      return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }).join("|") + ")", "gi");
    text.split(re).forEach(function (part, i) {
      if (i % 2) {
        var m = document.createElement("mark");
        m.textContent = part;
        box.appendChild(m);
      } else if (part) {
        box.appendChild(document.createTextNode(part));
      }
    });
    return box.innerHTML;
  }

  /* PC: the search input's accessible name (Pagefind gives it only a title). */
  function label(el) {
    var input = el.querySelector(".pagefind-ui__search-input");
    if (input) { input.setAttribute("aria-label", el.dataset.placeholder || input.placeholder); return; }
    new MutationObserver(function (_, obs) {
      var found = el.querySelector(".pagefind-ui__search-input");
      if (found) { found.setAttribute("aria-label", el.dataset.placeholder || found.placeholder); obs.disconnect(); }
    }).observe(el, { childList: true, subtree: true });
  }

  function start() {
    document.querySelectorAll(".q-open-now").forEach(openNow);
    maps();
    search();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
