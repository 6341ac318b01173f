// The district map: the layers of /districts/{code}/map.json drawn with the vendored Leaflet,
// no tile layer (everything drawn comes from this server). Clicking a person opens the plan.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var STATUS = {
    not_started: "#b0413e", drafting: "#d19a2a",
    confirmed_with_person: "#4a6fa5", complete: "#2e7d4f"
  };
  var HAZARD = { river_flood: "#3b7dd8", inland_flood: "#6aa7e8", landslide: "#9c6b30" };
  var map = L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  fetch(el.getAttribute("data-geojson"), { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (fc) {
      var by = function (layer) {
        return { type: "FeatureCollection",
          features: fc.features.filter(function (f) { return f.properties.layer === layer; }) };
      };
      var hazards = L.geoJSON(by("hazard"), { style: function (f) {
        var rank = f.properties.depth_rank || 1;
        return { color: HAZARD[f.properties.kind] || "#3b7dd8", weight: 0.5,
          fillOpacity: Math.min(0.12 + 0.08 * rank, 0.6) };
      } });
      var roads = L.geoJSON(by("road"), { style: function (f) {
        var minor = f.properties["class"] === "footway" || f.properties["class"] === "steps";
        return { color: "#777", weight: minor ? 1 : 2, opacity: 0.8 };
      } });
      var point = function (style) {
        return function (f, ll) { return L.circleMarker(ll, style(f)); };
      };
      var shelters = L.geoJSON(by("shelter"), { pointToLayer: point(function () {
        return { radius: 7, color: "#1b5e20", weight: 2, fillColor: "#a5d6a7", fillOpacity: 1 };
      }), onEachFeature: function (f, l) { l.bindTooltip(f.properties.id + " " + f.properties.name); } });
      var helpers = L.geoJSON(by("helper"), { pointToLayer: point(function () {
        return { radius: 3, color: "#111", weight: 1, fillColor: "#111", fillOpacity: 0.8 };
      }), onEachFeature: function (f, l) { l.bindTooltip(f.properties.id); } });
      var people = L.geoJSON(by("person"), { pointToLayer: point(function (f) {
        var p = f.properties;
        return { radius: 6, color: p.uncovered ? "#d00000" : "#222", weight: p.uncovered ? 3 : 1,
          fillColor: STATUS[p.status] || "#888", fillOpacity: 0.95 };
      }), onEachFeature: function (f, l) {
        l.bindTooltip(f.properties.id);
        l.on("click", function () { window.location.href = f.properties.href; });
      } });
      var helperRoutes = L.geoJSON(by("helper_route"), { style: function () {
        return { color: "#6a1b9a", weight: 3, opacity: 0.9, dashArray: "6 4" };
      }, onEachFeature: function (f, l) { if (f.properties.id) { l.bindTooltip(f.properties.id); } } });
      var route = L.geoJSON(by("route"), { style: function () {
        return { color: "#0d47a1", weight: 5, opacity: 0.9 };
      } });
      [hazards, roads, shelters, helperRoutes, route, helpers, people].forEach(function (l) { l.addTo(map); });
      var label = function (k) { return el.getAttribute("data-l-" + k) || k; };
      var overlays = {};
      overlays[label("hazard")] = hazards;
      overlays[label("road")] = roads;
      overlays[label("shelter")] = shelters;
      overlays[label("helper")] = helpers;
      overlays[label("person")] = people;
      if (by("route").features.length) { overlays[label("route")] = route; }
      if (by("helper_route").features.length) { overlays[label("helper-route")] = helperRoutes; }
      L.control.layers(null, overlays, { collapsed: false }).addTo(map);
      var b = route.getBounds();
      if (b.isValid()) { b.extend(helperRoutes.getBounds()); } else { b = people.getBounds(); }
      if (!b.isValid()) { b = helpers.getBounds(); }
      if (b.isValid()) { map.fitBounds(b.pad(0.1)); } else { map.setView([43.77, 142.36], 12); }
      el.setAttribute("data-ready", String(by("person").features.length));
      el.setAttribute("data-routes", String(by("route").features.length + by("helper_route").features.length));
    })
    .catch(function () { el.setAttribute("data-error", "1"); });
}());
