// Maps of the showcase, drawn with Leaflet (static/vendor/). Everything comes from data-
// attributes, since the CSP allows no inline script:
// - [data-map-geojson]: the organisations of a selection, loaded from that GeoJSON URL and
//   clustered (leaflet.markercluster);
// - [data-map-point="lat,lng"]: one organisation.
// Both take data-tile-url / data-tile-attribution (no tiles when empty), the marker images
// and the translated labels. Without JavaScript, the element keeps its text, which points
// to the list: the list, not the map, is the accessible way to the content.
(function () {
  "use strict";
  if (!window.L) { return; }
  var FRANCE = [46.6, 2.4];

  function markerIcon(element) {
    return L.icon({
      iconUrl: element.dataset.iconUrl,
      iconRetinaUrl: element.dataset.iconRetinaUrl,
      shadowUrl: element.dataset.shadowUrl,
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      popupAnchor: [1, -34],
      shadowSize: [41, 41]
    });
  }

  function createMap(element) {
    element.textContent = "";
    // maxZoom on the map itself: the clusters need it, and there may be no tile layer to give it.
    var map = L.map(element, { zoomControl: false, scrollWheelZoom: false, maxZoom: 19 });
    L.control.zoom({ zoomInTitle: element.dataset.zoomIn, zoomOutTitle: element.dataset.zoomOut }).addTo(map);
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.tileAttribution }).addTo(map);
    }
    return map;
  }

  // Built with DOM nodes, never HTML strings: names come from the organisations.
  function popupContent(properties) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.name;
    var title = document.createElement("strong");
    title.appendChild(link);
    box.appendChild(title);
    var details = document.createElement("div");
    details.textContent = [properties.sector, properties.commune].filter(Boolean).join(" · ");
    box.appendChild(details);
    return box;
  }

  function showStatus(element, text) {
    var status = element.parentNode.querySelector("[data-map-status]");
    if (status) { status.textContent = text; }
  }

  function selectionMap(element) {
    var map = createMap(element);
    map.setView(FRANCE, 6);
    var icon = markerIcon(element);
    fetch(element.dataset.mapGeojson, { headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        var cluster = L.markerClusterGroup({ showCoverageOnHover: false });
        L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            var name = feature.properties.name;
            return L.marker(latlng, { icon: icon, title: name, alt: name });
          },
          onEachFeature: function (feature, layer) {
            layer.bindPopup(popupContent(feature.properties));
          }
        }).addTo(cluster);
        cluster.addTo(map);
        if (cluster.getLayers().length) {
          map.fitBounds(cluster.getBounds(), { maxZoom: 13, padding: [24, 24] });
        } else {
          showStatus(element, element.dataset.empty);
        }
        element.setAttribute("data-map-loaded", String(cluster.getLayers().length));
      })
      .catch(function (error) {
        showStatus(element, element.dataset.error);
        window.console.error(error);
      });
  }

  function pointMap(element) {
    var point = element.dataset.mapPoint.split(",").map(Number);
    var map = createMap(element);
    map.setView(point, 14);
    var name = element.dataset.name;
    L.marker(point, { icon: markerIcon(element), title: name, alt: name }).addTo(map);
    element.setAttribute("data-map-loaded", "1");
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-map-geojson]"), selectionMap);
  Array.prototype.forEach.call(document.querySelectorAll("[data-map-point]"), pointMap);
})();
