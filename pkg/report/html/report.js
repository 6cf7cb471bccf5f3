// kubectl secure report page: reads the JSON of #report-data and draws the findings, the
// reachability graph of each namespace and each workload's access path. Plain DOM and SVG,
// no library; every text is set with textContent, never parsed as HTML.
(function () {
  "use strict";
  var t0 = performance.now();
  var data = JSON.parse(document.getElementById("report-data").textContent);
  data.findings.forEach(function (f) { f.file = data.files[f.file]; });
  var graph = data.graph || {};
  var nodes = graph.nodes || [], edges = graph.edges || [], namespaces = graph.namespaces || [];
  var SEVS = ["critical", "high", "medium", "low"];
  var SVG = "http://www.w3.org/2000/svg";
  var byId = {};
  nodes.forEach(function (n) { byId[n.id] = n; });
  var accessBy = {};
  (data.access || []).forEach(function (a) { accessBy[a.workload] = a; });

  // el builds an element: attrs (class, data-*, on* handlers) and children (nodes or text).
  function el(tag, attrs) {
    var e = document.createElement(tag);
    setAttrs(e, attrs);
    for (var i = 2; i < arguments.length; i++) append(e, arguments[i]);
    return e;
  }
  function sv(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    setAttrs(e, attrs);
    for (var i = 2; i < arguments.length; i++) append(e, arguments[i]);
    return e;
  }
  function setAttrs(e, attrs) {
    for (var k in attrs || {}) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) continue;
      if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), v);
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v);
    }
  }
  function append(e, c) {
    if (c === undefined || c === null || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(e, x); }); return; }
    e.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }

  // Workload keys of findings, to count them on the graph's nodes.
  var findingsBy = {};
  data.findings.forEach(function (f) {
    var k = f.kind + "/" + (f.namespace || "") + "/" + f.name;
    (findingsBy[k] = findingsBy[k] || []).push(f);
  });
  function nodeFindings(n) {
    return findingsBy[n.kind + "/" + (n.namespace || "") + "/" + n.name] ||
      findingsBy[n.kind + "//" + n.name] || [];
  }
  function worst(fs) {
    for (var i = 0; i < SEVS.length; i++)
      for (var j = 0; j < fs.length; j++) if (fs[j].severity === SEVS[i]) return SEVS[i];
    return "";
  }

  function fileHref(file, line, col) {
    var abs = /^([A-Za-z]:)?\//.test(file);
    if (data.workDir || abs) {
      var p = abs ? file : data.workDir.replace(/\/$/, "") + "/" + file.replace(/^\.\//, "");
      return "vscode://file" + (p[0] === "/" ? "" : "/") + encodeURI(p) + ":" + (line || 1) + ":" + (col || 1);
    }
    return encodeURI(file);
  }
  function fileLink(file, line, col) {
    if (!file) return "";
    return el("a", { href: fileHref(file, line, col), class: "panel-link", title: "Open in the editor", text: file + (line ? ":" + line : "") });
  }

  // state: "open" (no ingress policy, or one that allows all), "partial" (some ports open
  // to any source), "closed" (isolated: only named peers).
  function state(n) {
    var i = n.ingress || {};
    if (!i.open) return "closed";
    return i.open.all ? "open" : "partial";
  }
  function stateText(d) {
    if (!d || !d.isolated) return "not isolated: every peer, every port";
    if (!d.open) return "isolated: only the peers policies name";
    return "isolated; open to any peer on " + portsText(d.open);
  }
  function portsText(p) {
    if (!p) return "none";
    if (p.all) return "all ports";
    return (p.ranges || []).map(function (r) {
      if (r.name) return r.protocol + " " + r.name;
      if (!r.port) return r.protocol + " all";
      return r.protocol + " " + r.port + (r.endPort ? "-" + r.endPort : "");
    }).join(", ");
  }
  function policyText(p) { return p.namespace + "/" + p.name + (p.direction ? " (" + p.direction + ")" : ""); }
  function workloads() { return nodes.filter(function (n) { return n.kind !== "Outside"; }); }

  // ---- summary cards ----
  function summary() {
    var box = document.getElementById("summary");
    var counts = {};
    data.findings.forEach(function (f) { counts[f.severity] = (counts[f.severity] || 0) + 1; });
    var ws = workloads();
    var open = ws.filter(function (n) { return state(n) === "open"; }).length;
    var priv = ws.filter(function (n) { return (n.privileged || []).length; }).length;
    var cards = SEVS.map(function (s) { return [counts[s] || 0, s, s]; });
    cards.push([ws.length, "workloads", ""], [namespaces.length, "namespaces", ""],
      [open, "open to any source", open ? "warn" : ""], [priv, "privileged", priv ? "priv" : ""]);
    cards.forEach(function (c) {
      box.appendChild(el("div", { class: "card " + c[2] }, el("div", { class: "n", text: c[0] }), el("div", { class: "l", text: c[1] })));
    });
  }

  // ---- findings ----
  var fstate = { sev: "", check: "", file: "", limit: 200 };
  function findingsTab() {
    var tab = document.getElementById("tab-findings");
    tab.textContent = "";
    var checks = countBy(data.findings, "check"), files = countBy(data.findings, "file");
    var filters = el("div", { class: "filters" },
      select("Severity (at least)", [["", "any"]].concat(SEVS.map(function (s) { return [s, s]; })), "sev"),
      select("Check", [["", "all checks"]].concat(checks.map(function (c) { return [c[0], c[0] + " (" + c[1] + ")"]; })), "check"),
      select("File", [["", "all files"]].concat(files.map(function (c) { return [c[0], c[0] + " (" + c[1] + ")"]; })), "file"),
      el("span", { class: "count", id: "fcount" }));
    tab.append(filters);
    if (data.errors.length) tab.append(el("div", { class: "note" }, data.errors.length + " input(s) could not be read: " + data.errors.slice(0, 3).join("; ")));
    var tbody = el("tbody", { id: "fbody" });
    tab.append(el("table", { id: "findings-table" },
      el("thead", null, el("tr", null, el("th", { text: "Severity" }), el("th", { text: "Check" }), el("th", { text: "Finding" }), el("th", { text: "Location" }))), tbody));
    tab.append(el("button", { class: "more", id: "fmore", hidden: "", onclick: function () { fstate.limit += 500; renderFindings(); } }, "Show more"));
    renderFindings();
  }
  function countBy(list, key) {
    var m = {};
    list.forEach(function (x) { m[x[key]] = (m[x[key]] || 0) + 1; });
    return Object.keys(m).sort().map(function (k) { return [k, m[k]]; });
  }
  function select(label, options, key) {
    var s = el("select", { "data-filter": key, onchange: function () { fstate[key] = s.value; fstate.limit = 200; renderFindings(); } });
    options.forEach(function (o) { s.append(el("option", { value: o[0], text: o[1] })); });
    return el("label", null, label, s);
  }
  function findingMatches(f, q) {
    if (fstate.sev && SEVS.indexOf(f.severity) > SEVS.indexOf(fstate.sev)) return false;
    if (fstate.check && f.check !== fstate.check) return false;
    if (fstate.file && f.file !== fstate.file) return false;
    if (!q) return true;
    return (f.message + " " + f.check + " " + f.file + " " + f.kind + " " + (f.namespace || "") + "/" + f.name).toLowerCase().indexOf(q) >= 0;
  }
  function renderFindings() {
    var q = query(), body = document.getElementById("fbody");
    if (!body) return;
    body.textContent = "";
    var shown = 0, total = 0, frag = document.createDocumentFragment();
    data.findings.forEach(function (f) {
      if (!findingMatches(f, q)) return;
      total++;
      if (shown >= fstate.limit) return;
      shown++;
      frag.append(el("tr", { class: "finding", "data-check": f.check },
        el("td", null, el("span", { class: "sev " + f.severity, text: f.severity })),
        el("td", null, el("span", { class: "check", title: data.rules[f.check] || "", text: f.check })),
        el("td", { class: "msg" }, f.message, el("div", { class: "obj", text: f.kind + " " + (f.namespace ? f.namespace + "/" : "") + f.name + (f.fix ? " · " + f.fix + " fix" : "") })),
        el("td", { class: "loc" }, fileLink(f.file, f.line, f.column))));
    });
    if (!total) frag.append(el("tr", null, el("td", { colspan: 4, class: "empty", text: data.findings.length ? "No finding matches the filters." : "No findings." })));
    body.append(frag);
    document.getElementById("fcount").textContent = total === shown ? total + " finding(s)" : "showing " + shown + " of " + total;
    document.getElementById("fmore").hidden = shown >= total;
  }

  // ---- network ----
  var nsEdges = {}; // namespace ID → edges touching it
  function networkTab() {
    var tab = document.getElementById("tab-network");
    edges.forEach(function (e) {
      var seen = {};
      [e.from, e.to].forEach(function (id) {
        var n = byId[id];
        if (n && n.namespaceId && !seen[n.namespaceId]) { seen[n.namespaceId] = 1; (nsEdges[n.namespaceId] = nsEdges[n.namespaceId] || []).push(e); }
      });
    });
    tab.append(el("div", { class: "legend" },
      el("span", null, el("span", { class: "swatch open" }), "open to any source (no ingress policy, or one that allows all)"),
      el("span", null, el("span", { class: "swatch partial" }), "some ports open to any source"),
      el("span", null, el("span", { class: "swatch closed" }), "isolated: only named peers"),
      el("span", null, el("span", { class: "swatch priv" }), "privileged (privileged container, host namespaces)"),
      el("span", null, el("span", { class: "swatch outside" }), "outside the namespace"),
      el("span", null, "— dashed edge: a Cilium/Calico policy also applies")));
    (graph.notes || []).slice(0, 5).forEach(function (n) { tab.append(el("div", { class: "note", text: n })); });
    if (!namespaces.length) tab.append(el("div", { class: "empty", text: "No workloads in the input." }));
    var members = {};
    nodes.forEach(function (n) { if (n.namespaceId) (members[n.namespaceId] = members[n.namespaceId] || []).push(n); });
    // Namespaces whose policies draw a graph first: they are what a review reads; the
    // others are lists of workloads open to every source.
    var drawn = namespaces.filter(function (ns) { return nsEdges[ns.id]; });
    var rest = namespaces.filter(function (ns) { return !nsEdges[ns.id] && ((members[ns.id] || []).length || (ns.policies || []).length); });
    if (drawn.length && rest.length) tab.append(el("h2", { text: drawn.length + " namespace(s) whose policies allow named connections" }));
    drawn.forEach(function (ns) { tab.append(namespaceBlock(ns, members[ns.id] || [], drawn.length <= 12)); });
    if (drawn.length && rest.length) tab.append(el("h2", { text: rest.length + " other namespace(s)" }));
    rest.forEach(function (ns) { tab.append(namespaceBlock(ns, members[ns.id] || [], namespaces.length <= 6)); });
  }
  function namespaceBlock(ns, ms, open) {
    var openN = ms.filter(function (n) { return state(n) === "open"; }).length;
    var privN = ms.filter(function (n) { return (n.privileged || []).length; }).length;
    var pols = (ns.policies || []).length;
    var d = el("details", { class: "ns", "data-ns": ns.id, "data-search": (ns.name + " " + ms.map(function (n) { return n.name; }).join(" ")).toLowerCase() },
      el("summary", null, el("span", { class: "name", text: ns.name }), ns.unit ? el("span", { class: "unit", text: "deploy unit " + ns.unit }) : null,
        el("span", { class: "pill", text: ms.length + " workload" + (ms.length === 1 ? "" : "s") }),
        el("span", { class: "pill" + (pols ? " ok" : " open"), text: pols ? pols + " polic" + (pols === 1 ? "y" : "ies") : "no NetworkPolicy" }),
        openN ? el("span", { class: "pill open", text: openN + " open to any source" }) : null,
        privN ? el("span", { class: "pill priv", text: privN + " privileged" }) : null,
        (nsEdges[ns.id] || []).length ? el("span", { class: "pill", text: nsEdges[ns.id].length + " allowed connection(s)" }) : null));
    var body = el("div", { class: "nsbody" });
    d.append(body);
    var drawn = false;
    function draw() { if (!drawn && d.open) { drawn = true; drawNamespace(body, ns, ms); } }
    d.addEventListener("toggle", draw);
    if (open) { d.open = true; draw(); }
    return d;
  }

  // drawNamespace lays the namespace out: workloads an edge connects in a layered SVG
  // (sources left, targets right; outside peers split into a source and a target copy so
  // the drawing stays acyclic where the policies are), the others as chips below.
  function drawNamespace(body, ns, ms) {
    var es = nsEdges[ns.id] || [];
    var connected = {};
    es.forEach(function (e) { connected[e.from] = 1; connected[e.to] = 1; });
    var inside = {};
    ms.forEach(function (n) { inside[n.id] = 1; });
    if (es.length) body.append(el("div", { class: "graph" }, layout(es, inside)));
    var rest = ms.filter(function (n) { return !connected[n.id]; });
    if (rest.length) {
      var chips = el("div", { class: "chips" }, el("div", { class: "hint", text: es.length ? "Not named as a peer by any policy:" : "No policy names these workloads as peers:" }));
      rest.forEach(function (n) {
        chips.append(el("span", { class: "chip " + state(n) + ((n.privileged || []).length ? " priv" : ""), "data-node": n.id, tabindex: 0, title: stateText(n.ingress),
          onclick: function () { showNode(n); }, onkeydown: function (ev) { if (ev.key === "Enter") showNode(n); } },
          el("span", { class: "k", text: n.kind }), n.name));
      });
      body.append(chips);
    }
  }

  var W = 176, H = 46, GX = 92, GY = 26;
  function layout(es, inside) {
    // Node keys: a workload of the namespace is itself; any other node is split by role, a
    // source copy in the first column and a target copy in the last.
    var keys = {}, order = [], out = {}, inc = {};
    function key(id, role) {
      var k = inside[id] ? id : id + "#" + role;
      if (!keys[k]) { keys[k] = { k: k, id: id, rank: 0, role: inside[id] ? "" : role }; order.push(k); out[k] = []; inc[k] = []; }
      return k;
    }
    var drawn = es.map(function (e) {
      var a = key(e.from, "src"), b = key(e.to, "dst");
      out[a].push(b); inc[b].push(a);
      return { e: e, a: a, b: b };
    });
    ranks(order, out, keys);
    var last = 0;
    order.forEach(function (k) { if (keys[k].role !== "dst") last = Math.max(last, keys[k].rank); });
    order.forEach(function (k) { if (keys[k].role === "dst") keys[k].rank = last + 1; });
    // A forward edge over several columns goes through a dummy point per column between, so
    // that it is routed in the gaps between nodes rather than across them.
    drawn.forEach(function (d) {
      d.via = [];
      var prev = d.a;
      for (var r = keys[d.a].rank + 1; r < keys[d.b].rank; r++) {
        var k = "~" + order.length;
        keys[k] = { k: k, rank: r, dummy: true };
        order.push(k); out[k] = []; inc[k] = [prev]; out[prev].push(k);
        d.via.push(k);
        prev = k;
      }
      if (d.via.length) inc[d.b].push(prev);
    });
    var cols = [];
    order.forEach(function (k) { var r = keys[k].rank; (cols[r] = cols[r] || []).push(k); });
    cols = cols.filter(Boolean);
    cols.forEach(function (col, r) { col.forEach(function (k) { keys[k].rank = r; }); });
    barycentre(cols, inc, out, keys);
    function h(k) { return keys[k].dummy ? 14 : H + GY; }
    var colH = cols.map(function (c) { return c.reduce(function (s, k) { return s + h(k); }, 0); });
    var height = Math.max.apply(null, colH) + GY + 30, width = cols.length * (W + GX) - GX + 60;
    cols.forEach(function (col, r) {
      var y = (height - colH[r] + GY) / 2;
      col.forEach(function (k) { keys[k].x = 30 + r * (W + GX); keys[k].y = keys[k].dummy ? y - GY / 2 : y; y += h(k); });
    });
    var svg = sv("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": "reachability graph" },
      sv("defs", null, sv("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerUnits: "userSpaceOnUse", markerWidth: 9, markerHeight: 9, orient: "auto-start-reverse" },
        sv("path", { d: "M0,0 L10,5 L0,10 z", fill: "#57606a" }))));
    var labels = drawn.length <= 60;
    drawn.forEach(function (d) { svg.append(edgeShape(d, keys, labels)); });
    order.forEach(function (k) { if (!keys[k].dummy) svg.append(nodeShape(keys[k])); });
    return svg;
  }
  // ranks: longest path from the sources, ignoring the edges that close a cycle.
  function ranks(order, out, keys) {
    var mark = {}, topo = [], back = {};
    function visit(k) {
      mark[k] = 1;
      out[k].forEach(function (b) {
        if (mark[b] === 1) back[k + ">" + b] = 1;
        else if (!mark[b]) visit(b);
      });
      mark[k] = 2;
      topo.push(k);
    }
    order.forEach(function (k) { if (!mark[k]) visit(k); });
    topo.reverse().forEach(function (k) {
      out[k].forEach(function (b) { if (!back[k + ">" + b] && b !== k) keys[b].rank = Math.max(keys[b].rank, keys[k].rank + 1); });
    });
  }
  // barycentre orders each column by the mean position of its neighbours, two sweeps.
  function barycentre(cols, inc, out, keys) {
    function pos() { cols.forEach(function (c) { c.forEach(function (k, i) { keys[k].i = i; }); }); }
    function sweep(from, to, step, nb) {
      for (var r = from; r !== to; r += step) {
        cols[r].forEach(function (k) {
          var ns = nb[k].filter(function (x) { return keys[x].rank === r - step; });
          keys[k].bc = ns.length ? ns.reduce(function (s, x) { return s + keys[x].i; }, 0) / ns.length : keys[k].i;
        });
        cols[r].sort(function (a, b) { return keys[a].bc - keys[b].bc; });
        pos();
      }
    }
    pos();
    for (var it = 0; it < 2; it++) { sweep(1, cols.length, 1, inc); sweep(cols.length - 2, -1, -1, out); }
  }
  function edgeShape(d, keys, label) {
    var a = keys[d.a], b = keys[d.b], e = d.e, path, mx, my;
    if (d.a === d.b) {
      path = "M" + (a.x + W - 30) + "," + a.y + " C" + (a.x + W + 30) + "," + (a.y - 40) + " " + (a.x + W + 40) + "," + (a.y + 10) + " " + (a.x + W) + "," + (a.y + 12);
    } else if (b.rank <= a.rank) {
      var sy = a.y + H, ty = b.y + H, dip = Math.max(sy, ty) + 40;
      path = "M" + (a.x + W / 2) + "," + sy + " C" + (a.x + W / 2) + "," + dip + " " + (b.x + W / 2) + "," + dip + " " + (b.x + W / 2) + "," + ty;
      mx = (a.x + b.x + W) / 2; my = dip - 6;
    } else {
      // Through the dummy points: a smooth curve from each point to the next.
      var pts = [[a.x + W, a.y + H / 2]];
      d.via.forEach(function (k) { pts.push([keys[k].x, keys[k].y + GY / 2], [keys[k].x + W, keys[k].y + GY / 2]); });
      pts.push([b.x, b.y + H / 2]);
      path = "M" + pts[0][0] + "," + pts[0][1];
      for (var i = 1; i < pts.length; i++) {
        var p = pts[i - 1], q = pts[i], dx = Math.max(30, (q[0] - p[0]) / 2);
        path += p[1] === q[1] && (i % 2 === 0) ? " L" + q[0] + "," + q[1] : " C" + (p[0] + dx) + "," + p[1] + " " + (q[0] - dx) + "," + q[1] + " " + q[0] + "," + q[1];
      }
      // The label goes on the middle straight part of a long edge, which lies in a column
      // where no node is, or mid-way along a short one.
      var m = d.via.length ? 2 * Math.floor((d.via.length - 1) / 2) + 1 : 0;
      mx = (pts[m][0] + pts[m + 1][0]) / 2; my = (pts[m][1] + pts[m + 1][1]) / 2 - 4;
    }
    var ports = portsText(e.ports);
    var g = sv("g", { class: "edge" + (e.approximate ? " approx" : ""), "data-from": e.from, "data-to": e.to, onclick: function (ev) { ev.stopPropagation(); showEdge(e, g); } },
      sv("title", { text: label0(e.from) + " → " + label0(e.to) + ": " + ports }),
      sv("path", { class: "line", d: path, "marker-end": "url(#arrow)" }),
      sv("path", { class: "hit", d: path }));
    if (label && d.a !== d.b) {
      g.append(sv("text", { x: mx, y: my, "text-anchor": "middle", text: short(ports, 28) }));
    }
    return g;
  }
  function label0(id) { var n = byId[id]; return n ? (n.kind === "Outside" ? n.name : n.kind + " " + n.name) : id; }
  function short(s, n) { return s.length > n ? s.slice(0, n - 1) + "…" : s; }
  function nodeShape(k) {
    var n = byId[k.id] || { id: k.id, kind: "Outside", name: k.id };
    var foreign = n.kind !== "Outside" && k.k !== k.id;
    var cls = "node " + (n.kind === "Outside" ? "outside" : foreign ? "foreign" : state(n)) + ((n.privileged || []).length ? " priv" : "");
    var unmatched = n.id.indexOf("outside:unmatched:") === 0;
    var kind = unmatched ? "pods not in the input" : n.kind === "Outside" ? (k.k.slice(-4) === "#src" ? "from outside" : "to outside") : foreign ? n.kind + " in " + n.namespace : n.kind;
    var name = unmatched ? n.name.replace(/^pods /, "").replace(/ \(none in the input\)$/, "") : n.name;
    var g = sv("g", { class: cls, "data-node": n.id, tabindex: 0, transform: "translate(" + k.x + "," + k.y + ")", onclick: function (ev) { ev.stopPropagation(); showNode(n, g); },
      onkeydown: function (ev) { if (ev.key === "Enter") showNode(n, g); } },
      sv("title", { text: (n.kind === "Outside" ? n.name : n.kind + " " + (n.namespace ? n.namespace + "/" : "") + n.name) + (n.kind === "Outside" ? "" : " — ingress " + stateText(n.ingress)) }),
      sv("rect", { width: W, height: H, rx: n.kind === "Outside" ? 22 : 7 }),
      sv("text", { class: "kind", x: 10, y: 17, text: short(kind, 30) }),
      sv("text", { x: 10, y: 34, "font-weight": 600, text: short(name, 24) }));
    var fs = n.kind === "Outside" || foreign ? [] : nodeFindings(n);
    if (fs.length) {
      var w = worst(fs);
      g.append(sv("circle", { cx: W - 4, cy: 4, r: 10, fill: w === "critical" ? "#8b0000" : w === "high" ? "#cf222e" : w === "medium" ? "#bc4c00" : "#6e7781" }),
        sv("text", { class: "badge", x: W - 4, y: 8, "text-anchor": "middle", text: fs.length > 99 ? "99+" : fs.length }));
    }
    return g;
  }

  // ---- details panel ----
  var selected = null;
  function select0(g) {
    if (selected) selected.classList.remove("selected");
    selected = g || null;
    if (selected) selected.classList.add("selected");
  }
  function openPanel(children) {
    var p = document.getElementById("panel");
    p.textContent = "";
    p.append(el("button", { class: "close", title: "Close", "aria-label": "Close", onclick: closePanel, text: "×" }));
    append(p, children);
    p.hidden = false;
    document.body.classList.add("panel-open");
  }
  function closePanel() {
    document.getElementById("panel").hidden = true;
    document.body.classList.remove("panel-open");
    select0(null);
  }
  function policyList(ps) {
    if (!ps || !ps.length) return el("div", { class: "obj", text: "none" });
    return el("ul", null, ps.map(function (p) { return el("li", null, policyText(p) + " ", fileLink(p.file, p.line)); }));
  }
  function showEdge(e, g) {
    select0(g);
    openPanel([el("div", { class: "kind", text: "allowed connection" + (e.approximate ? " (approximate: a Cilium/Calico policy applies too)" : "") }),
      el("h3", { text: label0(e.from) + " → " + label0(e.to) }),
      el("h4", { text: "Ports" }), el("div", { text: portsText(e.ports) }),
      (e.cidrs || []).length ? [el("h4", { text: "Addresses" }), el("ul", null, e.cidrs.map(function (c) { return el("li", { text: c }); }))] : null,
      el("h4", { text: "Allowed by" }),
      (e.policies || []).length ? policyList(e.policies) : el("div", { class: "obj", text: "no policy restricts either side" }),
      el("div", { class: "obj", text: "A connection needs the source's egress and the target's ingress: a side that no policy of that direction selects allows everything." })]);
  }
  function showNode(n, g) {
    select0(g);
    if (n.kind === "Outside") {
      openPanel([el("div", { class: "kind", text: "outside the input" }), el("h3", { text: n.name }),
        el("div", { text: n.id.indexOf("outside:unmatched:") === 0 ? "Pods a policy names by labels no workload of the input carries: pods an operator makes from a custom resource, or a label that drifted." : n.id === "outside:external" ? "Addresses outside the cluster, as ipBlock peers name them." : n.id === "outside:any-pod" ? "Every pod of the cluster: a peer with an empty namespaceSelector." : "Pods of namespaces the input does not hold, which a namespaceSelector may select." })]);
      return;
    }
    var a = accessBy[n.id], fs = nodeFindings(n);
    openPanel([el("div", { class: "kind", text: n.kind + " in namespace " + n.namespace }), el("h3", { text: n.name }), fileLink(n.file, n.line),
      (n.privileged || []).length ? [el("h4", { text: "Privileged" }), el("div", null, n.privileged.map(function (p) { return el("span", { class: "pill priv", text: p }); })),
        n.privileged.indexOf("hostNetwork") >= 0 ? el("div", { class: "obj", text: "Its pods use the node's network: NetworkPolicies do not apply to them, whatever the graph shows." }) : null] : null,
      el("h4", { text: "Ingress" }), el("div", { text: stateText(n.ingress) }), policyList((n.ingress || {}).policies),
      el("h4", { text: "Egress" }), el("div", { text: stateText(n.egress) }), policyList((n.egress || {}).policies),
      (n.cni || []).length ? [el("h4", { text: "Cilium / Calico" }), el("ul", null, n.cni.map(function (c) { return el("li", { text: c + " (rules not modelled)" }); }))] : null,
      el("h4", { text: "Access to the API" }), accessView(n, a),
      el("h4", { text: "Labels" }), el("div", null, Object.keys(n.labels || {}).map(function (k) { return el("span", { class: "kv", text: k + "=" + n.labels[k] }); })),
      (n.ports || []).length ? [el("h4", { text: "Container ports" }), el("div", null, n.ports.map(function (p) { return el("span", { class: "kv", text: (p.name ? p.name + " " : "") + p.protocol + " " + p.port }); }))] : null,
      fs.length ? [el("h4", { text: "Findings (" + fs.length + ")" }), el("ul", null, fs.slice(0, 20).map(function (f) { return el("li", null, el("span", { class: "sev " + f.severity, text: f.severity }), " " + f.check + " ", fileLink(f.file, f.line, f.column)); }))] : null]);
  }
  function accessView(n, a) {
    var sa = (a && a.serviceAccount) || n.serviceAccount || "default";
    var head = el("div", { class: "path" }, el("span", { class: "kv", text: "ServiceAccount " + n.namespace + "/" + sa }));
    if (!a || !a.bindings.length) return [head, el("div", { class: "obj", text: data.accessNote || "No binding of the input reaches this account." })];
    var granting = {};
    a.grants.forEach(function (g) { granting[g.binding + " " + g.role] = 1; });
    var quiet = a.bindings.filter(function (b) { return !granting[b.binding + " " + b.role]; });
    return [head,
      a.grants.length ? el("ul", null, groupGrants(a.grants).map(function (gs) {
        var g = gs[0];
        return el("li", null, el("div", { class: "path" }, gs.map(function (x) { return el("span", { class: "pill cap " + x.capability, title: x.description, text: x.capability }); }),
          el("span", { class: "obj", text: g.scope === "cluster" ? "cluster-wide" : "in " + g.scope })),
        el("div", { class: "path" }, el("span", { class: "arrow", text: "via" }), el("span", { text: g.binding }), el("span", { class: "arrow", text: "→" }),
          el("span", { text: g.role + (g.source ? " (rule of " + g.source + ")" : "") })), fileLink(g.file, g.line));
      })) : el("div", { class: "obj", text: "No binding of the input grants it a security-relevant capability." }),
      quiet.length ? el("ul", null, quiet.map(function (b) {
        return el("li", { class: "obj" }, b.binding + " → " + b.role + (b.group ? " (group " + b.group + ")" : "") + ": nothing security-relevant ", fileLink(b.file, b.line));
      })) : null];
  }

  // groupGrants puts the capabilities one binding and role grant in one scope together.
  function groupGrants(grants) {
    var by = {}, out = [];
    grants.forEach(function (g) {
      var k = [g.binding, g.role, g.source, g.scope].join("|");
      if (!by[k]) { by[k] = []; out.push(by[k]); }
      if (!by[k].some(function (x) { return x.capability === g.capability; })) by[k].push(g);
    });
    return out;
  }

  // ---- access ----
  function accessTab() {
    var tab = document.getElementById("tab-access");
    if (data.accessNote) tab.append(el("div", { class: "note", text: data.accessNote }));
    var by = {};
    workloads().forEach(function (n) { (by[n.namespaceId] = by[n.namespaceId] || []).push(n); });
    namespaces.forEach(function (ns) {
      var ws = by[ns.id];
      if (!ws) return;
      var risky = ws.filter(function (n) { return accessBy[n.id] && accessBy[n.id].grants.length; }).length;
      var d = el("details", { class: "ns", "data-ns": ns.id, "data-search": (ns.name + " " + ws.map(function (n) { return n.name + " " + n.serviceAccount; }).join(" ")).toLowerCase() },
        el("summary", null, el("span", { class: "name", text: ns.name }), ns.unit ? el("span", { class: "unit", text: "deploy unit " + ns.unit }) : null,
          el("span", { class: "pill", text: ws.length + " workload" + (ws.length === 1 ? "" : "s") }),
          risky ? el("span", { class: "pill open", text: risky + " with API capabilities" }) :
            data.access.length ? el("span", { class: "pill ok", text: "no capability granted" }) : null));
      var drawn = false;
      d.addEventListener("toggle", function () {
        if (drawn || !d.open) return;
        drawn = true;
        var body = el("tbody");
        ws.forEach(function (n) {
          var a = accessBy[n.id];
          body.append(el("tr", { "data-node": n.id, onclick: function () { showNode(n); } },
            el("td", null, el("span", { class: "obj", text: n.kind + " " }), n.name),
            el("td", { text: (a && a.serviceAccount) || n.serviceAccount }),
            el("td", null, a && a.grants.length ? uniq(a.grants.map(function (g) { return g.capability; })).map(function (c) { return el("span", { class: "pill cap " + c, text: c }); }) : el("span", { class: "obj", text: "none" })),
            el("td", null, a ? uniq(a.bindings.map(function (b) { return b.binding + " → " + b.role; })).join("; ") : "")));
        });
        d.append(el("div", { class: "nsbody" }, el("table", null, el("thead", null, el("tr", null, el("th", { text: "Workload" }), el("th", { text: "ServiceAccount" }), el("th", { text: "Can" }), el("th", { text: "Through" }))), body)));
      });
      if (risky && risky < 50) d.open = true;
      tab.append(d);
    });
  }
  function uniq(xs) { return xs.filter(function (x, i) { return xs.indexOf(x) === i; }); }

  // ---- tabs and search ----
  function query() { return document.getElementById("search").value.trim().toLowerCase(); }
  function applySearch() {
    var q = query();
    renderFindings();
    document.querySelectorAll("details.ns").forEach(function (d) {
      d.hidden = q !== "" && d.getAttribute("data-search").indexOf(q) < 0;
      if (q && !d.hidden && !d.open) d.open = true;
    });
  }
  // A tab is drawn the first time it is shown: the page opens with the work of one tab.
  var builders = { findings: findingsTab, network: networkTab, access: accessTab }, built = {};
  function showTab(name) {
    if (!builders[name]) name = "findings";
    if (!built[name]) {
      built[name] = true;
      builders[name]();
      if (query()) applySearch();
    }
    document.querySelectorAll(".tab").forEach(function (t) { t.hidden = t.id !== "tab-" + name; });
    document.querySelectorAll(".tabs button").forEach(function (b) { b.classList.toggle("active", b.getAttribute("data-tab") === name); });
    if (location.hash !== "#" + name) {
      try { history.replaceState(null, "", "#" + name); } catch (e) { /* a page opened where history is refused */ }
    }
  }
  document.querySelectorAll(".tabs button").forEach(function (b) { b.addEventListener("click", function () { showTab(b.getAttribute("data-tab")); }); });
  var timer;
  document.getElementById("search").addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(applySearch, 120); });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") closePanel(); });

  summary();
  showTab((location.hash || "#findings").slice(1));
  // For the browser test and the curious: how long the script took to draw the page, and
  // how long since the navigation started (reading and parsing the file included).
  document.body.setAttribute("data-render-ms", Math.round(performance.now() - t0));
  document.body.setAttribute("data-load-ms", Math.round(performance.now()));
  document.body.setAttribute("data-ready", "true");
})();
