/* Quartier: the "Add your business" form. It builds the entry's YAML file in the owner's
   browser from what they type; nothing is sent anywhere until they choose a way to send it.
   Owners' text is only ever set as text (textContent, form values, URL-encoded links), never
   as markup. The page gives everything else in #q-entry-form-data (see
   quartier/site/entry_form.py): categories, areas, the ways to send, every word shown. */
(function () {
  "use strict";

  /* --- YAML that quartier's strict loader (and any YAML reader) reads back as typed --- */

  // The entry contract refuses these in any text (quartier/fields.py, _CONTROL), and lone
  // surrogates cannot be written as UTF-8 at all.
  var CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;
  // Words YAML 1.1 readers take for booleans or null.
  var RESERVED = /^(?:y|n|yes|no|true|false|on|off|null|~)$/i;

  /* A scalar written plain when nothing in it means something to YAML, double-quoted
     otherwise: 'no', '01234', 'a: b', '#1', '- x', '"quoted"' all come back as text. */
  function scalar(text) {
    var plain = /^\p{L}/u.test(text) && !RESERVED.test(text) && !CONTROL.test(text) && !/[\n\t\ufeff]/.test(text) &&
      !/: |:$| #/.test(text) && text === text.trim();
    return plain ? text : quoted(text);
  }

  function quoted(text) {
    var out = '"';
    for (var i = 0; i < text.length; i++) {
      var ch = text[i], code = text.charCodeAt(i);
      if (ch === '"' || ch === "\\") { out += "\\" + ch; }
      else if (ch === "\n") { out += "\\n"; }
      else if (ch === "\t") { out += "\\t"; }
      else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 ||
               code === 0x2029 || code === 0xfeff || code === 0xfffe || code === 0xffff) {
        out += code <= 0xff ? "\\x" + hex(code, 2) : "\\u" + hex(code, 4);
      } else { out += ch; }
    }
    return out + '"';
  }

  function hex(code, width) {
    var s = code.toString(16).toUpperCase();
    while (s.length < width) { s = "0" + s; }
    return s;
  }

  /* Several lines as a literal block (|-) when every line reads back unchanged, else quoted. */
  function text(value, indent) {
    if (value.indexOf("\n") < 0) { return scalar(value); }
    var lines = value.split("\n");
    // Trailing blanks, tabs and what only an escape can write would not come back as typed.
    var literal = lines.every(function (line) { return !/[ \t]$|[\t\ufeff]/.test(line) && !CONTROL.test(line); });
    if (!literal) { return quoted(value); }
    return "|-\n" + lines.map(function (line) { return line ? indent + line : ""; }).join("\n");
  }

  /* The entry as YAML, its keys in the order of entries/README.md's template. */
  function toYaml(e) {
    var out = [], lang = scalar(e.language);
    function line(s) { out.push(s); }
    line("id: " + scalar(e.id));
    line("name: " + scalar(e.name));
    line("status: open");
    line("category: " + scalar(e.category));
    line("summary:");
    line("  " + lang + ": " + scalar(e.summary));
    if (e.story) {
      line("story:");
      line("  text:");
      line("    " + lang + ": " + text(e.story, "      "));
    }
    if (e.seeks.length || e.provides.length) {
      line("collaboration:");
      [["seeks", e.seeks], ["provides", e.provides]].forEach(function (pair) {
        if (!pair[1].length) { return; }
        line("  " + pair[0] + ":");
        pair[1].forEach(function (item) {
          line("    - text:");
          line("        " + lang + ": " + scalar(item));
        });
      });
    }
    line("location:");
    line("  address:");
    if (e.street) { line("    street: " + scalar(e.street)); }
    if (e.postal_code) { line("    postal_code: " + scalar(e.postal_code)); }
    line("    locality: " + scalar(e.locality));
    line("    country: " + scalar(e.country));
    if (e.hide_address) { line("  hide_address: yes"); }
    line("  geo: {lat: " + e.lat + ", lon: " + e.lon + "}");
    if (e.opening_hours) { line("opening_hours: " + quoted(e.opening_hours)); }
    if (e.phone || e.email || e.website) {
      line("contact:");
      if (e.website) { line("  website: " + scalar(e.website)); }
      if (e.email) { line("  email: " + scalar(e.email)); }
      if (e.phone) { line("  phone: " + scalar(e.phone)); }
    }
    if (e.languages.length) { line("languages: [" + e.languages.map(scalar).join(", ") + "]"); }
    line("maintainers: [" + e.maintainers.map(scalar).join(", ") + "]");
    line("last_verified: " + e.last_verified);
    return out.join("\n") + "\n";
  }

  /* --- Checks of what can be known offline --- */

  var DAY = /^(?:Mo|Tu|We|Th|Fr|Sa|Su|PH|SH)$/;
  var MONTH = /^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$/;
  var WORD = /^(?:Mo|Tu|We|Th|Fr|Sa|Su|PH|SH|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|off|closed|open|unknown|week|easter|sunrise|sunset|dawn|dusk|day|days)$/i;
  var TOKENS = /"[^"]*"|24\/7|\d+:\d+|\d+(?:\.\d+)?|[A-Za-z]+|\|\||[-,;:[\]\/+()]|\s+|./g;

  /* Whether hours have the shape of OpenStreetMap's opening_hours; the build checks them in
     full. Human spellings are refused with the example: Monday, 9-18, 8h, 9am, 12.30, an en
     dash, 'Mo: 10:00', a trailing ';'. Measured against the values of opening_hours.js's tests
     (tests/test_entry_form_browser.py): nothing the site's parser accepts is refused here. */
  function hoursShape(value) {
    var tokens = (value.match(TOKENS) || []).filter(function (tok) { return !/^\s+$/.test(tok); });
    var bracket = 0, previous = "";
    if (tokens.length && /^[;,]$/.test(tokens[0])) { return false; }
    for (var i = 0; i < tokens.length; i++) {
      var tok = tokens[i];
      if (/^"/.test(tok) || tok === "24/7" || tok === "||") { previous = tok; continue; }
      if (/^[A-Za-z]+$/.test(tok)) {
        if (!WORD.test(tok)) { return false; }
      } else if (/^\d+:\d+$/.test(tok)) {
        if (!/^\d{1,2}:\d\d$/.test(tok)) { return false; }
      } else if (/^\d/.test(tok)) {
        // Bare numbers belong in [1], years, week numbers, dates after a month, or +days.
        if (/\./.test(tok) || !(bracket > 0 || /^\d{4}$/.test(tok) || MONTH.test(previous) ||
            /^(?:week|-|,|\+|\/)$/i.test(previous))) { return false; }
      } else if (tok === ":") {
        if (DAY.test(previous)) { return false; }  // 'Mo: 10:00-12:00'
      } else if (tok === "[") { bracket++; }
      else if (tok === "]") { bracket--; }
      else if (!/^[-,;\/+()]$/.test(tok)) { return false; }
      previous = tok;
    }
    return bracket === 0 && tokens.length > 0 && !/^[;,]$/.test(previous);
  }

  var LANGUAGE = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;
  var LOGIN = /^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}$/;
  var SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  var WINDOWS = /^(?:con|prn|aux|nul|com\d|lpt\d)$/;
  var EMAIL = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[^\s@"<>()[\]\\,;:.]{2,}$/;
  var WEB = /^https?:\/\/[^\s\/@?#。．｡%\\]+\.[^\s\/@?#。．｡%\\]+(?:[\/?#]\S*)?$/;

  function phoneShape(value) {
    var digits = value.replace(/\D/g, "").length;
    return /^\+?[\d\s().\/-]+$/.test(value) && digits >= 6 && digits <= 15;
  }

  /* "46.95, 7.44", "46,95 7,44", or a link from OpenStreetMap or Google Maps. */
  function coordinates(value) {
    var m = value.match(/!3d(-?\d+(?:\.\d+)?)!4d(-?\d+(?:\.\d+)?)/) ||
      value.match(/[?&]mlat=(-?\d+(?:\.\d+)?)&mlon=(-?\d+(?:\.\d+)?)/) ||
      value.match(/#map=\d+(?:\.\d+)?\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)/) ||
      value.match(/@(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)/) ||
      value.match(/[?&](?:q|query|ll)=(-?\d+(?:\.\d+)?)(?:,|%2C)\s*(-?\d+(?:\.\d+)?)/i) ||
      value.match(/^\s*(-?\d+(?:\.\d+)?)\s*[,;\s]\s*(-?\d+(?:\.\d+)?)\s*$/) ||
      value.match(/^\s*(-?\d+,\d+)\s*[;\s]\s*(-?\d+,\d+)\s*$/);
    if (!m) { return null; }
    var lat = parseFloat(m[1].replace(",", ".")), lon = parseFloat(m[2].replace(",", "."));
    if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) { return null; }
    return { lat: round(lat), lon: round(lon) };
  }

  function round(x) { return Number(x.toFixed(6)); }

  function inside(area, lat, lon) {
    var b = area.bbox;
    return b[0] <= lon && lon <= b[2] && b[1] <= lat && lat <= b[3];
  }

  var FOLD = { "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i" };

  /* An id from a name: 'Café du Marché' -> 'cafe-du-marche'. */
  function slug(text) {
    var s = text.toLowerCase().replace(/[ßæœøłđðþı]/g, function (c) { return FOLD[c]; });
    s = s.normalize("NFKD").replace(/\p{M}/gu, "").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    while (s.length > 60 && s.indexOf("-") > 0) { s = s.slice(0, s.lastIndexOf("-")); }
    return s.slice(0, 60).replace(/-+$/, "");
  }

  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" +
      String(d.getDate()).padStart(2, "0");
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  /* --- The page --- */

  function start() {
    var form = document.getElementById("q-entry-form");
    var dataEl = document.getElementById("q-entry-form-data");
    if (!form || !dataEl) { return; }
    var cfg = JSON.parse(dataEl.textContent);
    var T = cfg.text;
    var el = function (id) { return document.getElementById(id); };
    var value = function (name) { return (form.elements[name].value || "").trim(); };
    var idEdited = false;
    var map = null, marker = null;

    function say(name, key, values) {
      return fill(T[key], Object.assign({ field: cfg.labels[name] || name }, values || {}));
    }

    /* Every problem of the form, by field, in the page's language. */
    function problems(e) {
      var found = [];
      function add(name, key, values) { found.push({ name: name, text: say(name, key, values) }); }
      function textField(name, valueText, required, max, multiline) {
        if (!valueText) { if (required) { add(name, "form_err_required"); } return; }
        if (CONTROL.test(valueText)) { add(name, "form_err_control"); }
        else if (!multiline && /\n/.test(valueText)) { add(name, "form_err_one_line"); }
        else if (valueText.length > max) { add(name, "form_err_too_long", { max: max }); }
      }
      textField("name", e.name, true, cfg.max.name);
      if (!e.category) { add("category", "form_err_required"); }
      textField("summary", e.summary, true, cfg.max.summary);
      textField("story", e.story, false, cfg.max.story, true);
      textField("street", e.street, false, cfg.max.street);
      if (e.postal_code && !/^[A-Za-z0-9][A-Za-z0-9 -]*$/.test(e.postal_code)) {
        add("postal_code", "form_err_postal_code", { example: cfg.examples.postal_code });
      }
      textField("locality", e.locality, true, cfg.max.locality);
      if (!e.locationText) { add("location", "form_err_required"); }
      else if (!e.point) { add("location", "form_err_location", { example: cfg.examples.location }); }
      else {
        var area = cfg.areas.filter(function (a) { return inside(a, e.point.lat, e.point.lon); })[0];
        var swapped = cfg.areas.some(function (a) { return inside(a, e.point.lon, e.point.lat); });
        if (!area && swapped) {
          add("location", "form_err_swapped", { point: e.point.lon + ", " + e.point.lat });
        } else if (!area) {
          add("location", "form_err_outside", {
            point: e.point.lat + ", " + e.point.lon,
            areas: cfg.areas.map(function (a) { return a.name; }).join(", ")
          });
        } else if (area.countries.indexOf(e.country) < 0) {
          add("country", "form_err_country", { area: area.name, countries: area.countries.join(", ") });
        }
      }
      if (e.opening_hours) {
        if (CONTROL.test(e.opening_hours) || e.opening_hours.length > cfg.max.opening_hours ||
            !hoursShape(e.opening_hours)) {
          add("opening_hours", "form_err_hours", { example: cfg.examples.hours });
        }
      }
      if (e.phone && !phoneShape(e.phone)) { add("phone", "form_err_phone", { example: cfg.examples.phone }); }
      if (e.email && !EMAIL.test(e.email)) { add("email", "form_err_email", { example: cfg.examples.email }); }
      if (e.website && !WEB.test(e.website)) { add("website", "form_err_website", { example: cfg.examples.website }); }
      e.otherLanguages.forEach(function (tag) {
        if (!LANGUAGE.test(tag)) { add("languages_other", "form_err_language", { value: tag, example: cfg.examples.language }); }
      });
      ["seeks", "provides"].forEach(function (name) {
        e[name].forEach(function (item) { textField(name, item, false, cfg.max.line); });
      });
      if (e.login && !LOGIN.test(e.login)) { add("login", "form_err_login", { example: cfg.examples.login }); }
      else if (!e.login && cfg.maintainersRequired && !cfg.maintainers.length && !cfg.email) {
        add("login", "form_err_login_needed");
      }
      if (e.id && (!SLUG.test(e.id) || e.id.length < 2 || WINDOWS.test(e.id))) {
        add("id", "form_err_id", { example: cfg.examples.id });
      }
      return found;
    }

    function read() {
      var lines = function (name) {
        return value(name).split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
      };
      var website = value("website");
      if (website && !/^[a-z][a-z0-9+.-]*:/i.test(website) && /^[^\s\/@]+\.[^\s\/@]+/.test(website)) {
        website = "https://" + website;  // "www.velowerk.ch": the address people mean
        form.elements.website.value = website;
      }
      var checked = Array.prototype.slice.call(form.querySelectorAll("input[name=languages]:checked"))
        .map(function (box) { return box.value; });
      var other = value("languages_other").split(/[,;\s]+/).filter(Boolean);
      var location = value("location");
      return {
        id: idEdited ? value("id") : "",
        name: value("name"),
        category: value("category"),
        language: value("answers_language"),
        summary: value("summary"),
        story: value("story").replace(/\r\n?/g, "\n"),
        street: value("street"),
        postal_code: value("postal_code"),
        locality: value("locality"),
        country: value("country"),
        hide_address: form.elements.hide_address.checked,
        locationText: location,
        point: location ? coordinates(location) : null,
        opening_hours: value("opening_hours").split(/\s+/).join(" "),
        phone: value("phone"),
        email: value("email"),
        website: website,
        otherLanguages: other,
        languages: checked.concat(other.filter(function (x) { return checked.indexOf(x) < 0; })),
        seeks: lines("seeks"),
        provides: lines("provides"),
        login: value("login").replace(/^@/, ""),
        last_verified: today()
      };
    }

    function show(found) {
      form.querySelectorAll(".q-form__error").forEach(function (p) { p.hidden = true; p.textContent = ""; });
      form.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
      var box = el("q-f-errors"), list = box.querySelector("ul");
      list.textContent = "";
      found.forEach(function (p) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = "#q-f-" + (p.name === "opening_hours" ? "hours" : p.name);
        link.textContent = p.text;
        item.appendChild(link);
        list.appendChild(item);
        var slot = el("q-f-" + p.name + "-error");
        if (slot) { slot.textContent = slot.textContent ? slot.textContent + " " + p.text : p.text; slot.hidden = false; }
        var input = form.elements[p.name];
        if (input && input.setAttribute) { input.setAttribute("aria-invalid", "true"); }
      });
      box.hidden = !found.length;
      if (found.length) { box.focus(); }
    }

    function areaOf(point) {
      return cfg.areas.filter(function (a) { return inside(a, point.lat, point.lon); })[0];
    }

    /* Whether the directory's published site has an entry of this id already (same site only). */
    function taken(id) {
      var cfgEl = document.getElementById("__config");
      var base = cfgEl ? JSON.parse(cfgEl.textContent).base : "..";
      var url = base.replace(/\/$/, "") + "/api/v1/entries/" + encodeURIComponent(id) + ".json";
      return fetch(url, { method: "HEAD", cache: "no-store" })
        .then(function (r) { return r.ok; }, function () { return false; });
    }

    /* A free id: the typed one, or one made from the name (then the place, then a number). */
    function chooseId(e, area) {
      var wanted = e.id || slug(e.name);
      if (e.id) { return taken(wanted).then(function (t) { return t ? null : wanted; }); }
      if (wanted.length < 2 || WINDOWS.test(wanted)) { wanted = slug((wanted ? wanted + " " : "") + area.id); }
      if (wanted.length < 2) { wanted = slug(e.category + " " + area.id); }
      var candidates = [wanted, wanted + "-" + area.id];
      for (var n = 2; n < 10; n++) { candidates.push(wanted + "-" + area.id + "-" + n); }
      candidates = candidates.filter(function (c, i) { return candidates.indexOf(c) === i; });
      return candidates.reduce(function (found, candidate) {
        return found.then(function (id) {
          return id || taken(candidate).then(function (t) { return t ? null : candidate; });
        });
      }, Promise.resolve(null));
    }

    function maintainers(e) {
      if (e.login) { return [e.login]; }
      if (cfg.maintainers.length) { return cfg.maintainers.slice(); }
      return [];
    }

    function build(event) {
      event.preventDefault();
      var e = read();
      var found = problems(e);
      el("q-f-result").hidden = true;
      show(found);
      if (found.length) { return; }
      var area = areaOf(e.point);
      chooseId(e, area).then(function (id) {
        if (!id) {
          show([{ name: "id", text: say("id", "form_err_id_taken", { value: e.id }) }]);
          return;
        }
        e.id = id;
        if (!idEdited) { form.elements.id.value = id; }
        e.lat = e.point.lat;
        e.lon = e.point.lon;
        e.maintainers = maintainers(e);
        var path = "entries/" + e.country.toLowerCase() + "/" + area.id + "/" + id + ".yaml";
        result(e, path, toYaml(e));
      });
    }

    function result(e, path, yaml) {
      el("q-f-path").textContent = path;
      el("q-f-yaml").textContent = yaml;
      el("q-f-maintainer-note").hidden = e.maintainers.length > 0;
      var github = el("q-f-github");
      if (github) {
        var full = cfg.newFile + "?filename=" + encodeURIComponent(path) + "&value=" + encodeURIComponent(yaml);
        var long = el("q-f-github-long");
        var tooLong = full.length > cfg.githubLimit;
        github.href = tooLong ? cfg.newFile + "?filename=" + encodeURIComponent(path) : full;
        github.textContent = tooLong ? T.form_open_empty : T.form_open_github;
        long.textContent = tooLong ? fill(T.form_too_long, { length: full.length, limit: cfg.githubLimit }) : "";
        long.hidden = !tooLong;
        // Without a login no maintainer is named: only the directory's people can complete it.
        github.parentNode.hidden = !e.maintainers.length && cfg.maintainersRequired;
      }
      var mail = el("q-f-mail");
      if (mail) {
        var to = "mailto:" + cfg.email.replace(/[^A-Za-z0-9.@_+-]/g, encodeURIComponent);
        var subject = fill(T.form_email_subject, { name: e.name });
        var intro = fill(T.form_email_body, { directory: cfg.directory, path: path });
        var link = function (body) {
          return to + "?subject=" + encodeURIComponent(subject) + "&body=" +
            encodeURIComponent(body.replace(/\n/g, "\r\n"));
        };
        var full = link(intro + "\n\n" + yaml);
        var short = full.length > cfg.mailtoLimit;
        mail.href = short ? link(intro + "\n\n" + T.form_email_paste + "\n") : full;
        el("q-f-mail-long").hidden = !short;
      }
      el("q-f-copied").textContent = "";
      el("q-f-result").hidden = false;
      el("q-f-result-title").focus();
    }

    function copy() {
      var yaml = el("q-f-yaml").textContent;
      var done = function () { el("q-f-copied").textContent = T.form_copied; };
      var fallback = function () {
        var range = document.createRange();
        range.selectNodeContents(el("q-f-yaml"));
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        if (document.execCommand("copy")) { done(); }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(yaml).then(done, fallback);
      } else { fallback(); }
    }

    /* The map: a click sets the location; typed coordinates move the marker. */
    function place(point, fromMap) {
      if (fromMap) { form.elements.location.value = point.lat + ", " + point.lon; }
      var area = areaOf(point);
      if (area && area.countries.indexOf(form.elements.country.value) < 0) {
        form.elements.country.value = area.countries[0];
      }
      if (!map) { return; }
      var latlng = [point.lat, point.lon];
      if (marker) { marker.setLatLng(latlng); } else { marker = window.L.marker(latlng).addTo(map); }
    }

    function bounds(area) { return [[area.bbox[1], area.bbox[0]], [area.bbox[3], area.bbox[2]]]; }

    function startMap() {
      var box = el("q-f-map");
      var cfgEl = document.getElementById("__config");
      var base = (cfgEl ? JSON.parse(cfgEl.textContent).base : "..").replace(/\/$/, "") || ".";
      var rootUrl = base + "/assets/leaflet/";
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = rootUrl + "leaflet.css";
      document.head.appendChild(css);
      var script = document.createElement("script");
      script.src = rootUrl + "leaflet.js";
      script.onload = function () {
        var L = window.L;
        L.Icon.Default.imagePath = rootUrl + "images/";
        map = L.map(box, { zoomControl: false, scrollWheelZoom: false }).fitBounds(bounds(cfg.areas[0]));
        L.control.zoom({ zoomInTitle: cfg.mapText.zoomIn, zoomOutTitle: cfg.mapText.zoomOut }).addTo(map);
        map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
        var attribution = document.createElement("a");
        attribution.href = cfg.tiles.attribution_url;
        attribution.textContent = cfg.tiles.attribution;
        L.tileLayer(cfg.tiles.url, { maxZoom: 19, attribution: attribution.outerHTML }).addTo(map);
        map.on("click", function (event) {
          place({ lat: round(event.latlng.lat), lon: round(event.latlng.lng) }, true);
        });
        var typed = coordinates(value("location"));
        if (typed) { place(typed, false); }
        box.dataset.ready = "1";
      };
      document.head.appendChild(script);
      document.querySelectorAll(".q-form__area").forEach(function (button) {
        button.addEventListener("click", function () {
          if (map) { map.fitBounds(bounds(cfg.areas[Number(button.dataset.area)])); }
        });
      });
    }

    form.addEventListener("submit", build);
    form.elements.name.addEventListener("input", function () {
      if (!idEdited) { form.elements.id.value = slug(form.elements.name.value); }
    });
    form.elements.id.addEventListener("input", function () { idEdited = form.elements.id.value !== ""; });
    form.elements.location.addEventListener("change", function () {
      var point = coordinates(form.elements.location.value);
      if (point) {
        place(point, false);
        if (map) { map.panTo([point.lat, point.lon]); }
      }
    });
    form.querySelectorAll(".q-form__helper").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = form.elements.opening_hours, add = button.dataset.hours;
        var current = input.value.trim().replace(/;\s*$/, "");
        input.value = !add ? "" : current ? current + "; " + add : add;
        input.focus();
      });
    });
    el("q-f-copy").addEventListener("click", copy);
    startMap();
  }

  // For tests in the browser: the pure parts, no state.
  window.quartierEntryForm = { scalar: scalar, toYaml: toYaml, hoursShape: hoursShape, coordinates: coordinates, slug: slug };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
