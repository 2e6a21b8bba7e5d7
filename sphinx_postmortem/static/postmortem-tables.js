/* sphinx-postmortem: search and sort the action and incident tables.
 *
 * The tables are complete without this script; it only adds, before each
 * table, a labelled search box and a live row count, and turns each header
 * into a sort button. The view (filter and sort) is kept in the URL fragment,
 * as "#pm-filter=text&pm-sort=due:desc" for the page's first table and
 * "pm-filter-2", "pm-sort-2" for the second, so a filtered view can be linked.
 * Nothing is fetched; it works from file://.
 *
 * The order of ranked columns (severity, priority) comes from
 * window.postmortemOrder, which the extension writes into every page; without
 * it such columns sort as text, with numbers in order ("SEV2" < "SEV10").
 */
(function () {
  "use strict";

  var TABLES = "table.pm-action-table, table.pm-incident-table";
  var DURATION_UNITS = { d: 86400, h: 3600, min: 60, s: 1 };
  var text = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function columnName(table, index) {
    var cell = table.tBodies[0] && table.tBodies[0].rows[0] && table.tBodies[0].rows[0].cells[index];
    var match = cell && /(?:^|\s)pm-col-(\S+)/.exec(cell.className);
    return match ? match[1] : "";
  }

  function cellText(row, index) {
    var cell = row.cells[index];
    return cell ? cell.textContent.replace(/\s+/g, " ").trim() : "";
  }

  /* "1 h 3 min", "2 d 4 h", "-45 s" -> seconds; null if it is not a duration */
  function duration(value) {
    var match = /^(-?)((?:\d+ (?:d|h|min|s)(?: |$))+)$/.exec(value + " ");
    if (!match) return null;
    var total = 0;
    value.replace(/(\d+) (d|h|min|s)\b/g, function (_, n, unit) {
      total += Number(n) * DURATION_UNITS[unit];
    });
    return match[1] ? -total : total;
  }

  /* The kind of a column, from every value it holds. */
  function keyFunction(name, values) {
    var order = (window.postmortemOrder || {})[name];
    if (order) {
      return function (value) {
        var rank = order.indexOf(value);
        return rank < 0 ? order.length : rank;
      };
    }
    var present = values.filter(function (v) { return v !== ""; });
    function all(test) { return present.length > 0 && present.every(test); }
    if (all(function (v) { return /^-?\d+(\.\d+)?$/.test(v); })) return Number;
    if (all(function (v) { return /^\d{4}-\d{2}-\d{2}/.test(v); })) {
      return function (value) { return value.slice(0, 10); };  // the date, not the "overdue" label
    }
    if (all(function (v) { return duration(v) !== null; })) return duration;
    return null;  // text
  }

  function compare(a, b) {
    if (typeof a === "string" && typeof b === "string") return text.compare(a, b);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function Table(table, number) {
    this.table = table;
    this.rows = Array.prototype.slice.call(table.tBodies[0].rows);
    this.suffix = number === 1 ? "" : "-" + number;
    this.noun = table.classList.contains("pm-action-table") ? "actions" : "incidents";
    this.sorted = null;  // {index, descending}
    this.addControls(number);
    this.addSortButtons();
  }

  Table.prototype.addControls = function (number) {
    var box = document.createElement("div");
    box.className = "pm-table-tools";
    var id = "pm-filter-" + number;
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = "Filter " + this.noun;
    this.input = document.createElement("input");
    this.input.type = "search";
    this.input.id = id;
    this.input.autocomplete = "off";
    this.status = document.createElement("span");
    this.status.className = "pm-table-count";
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    box.appendChild(label);
    box.appendChild(this.input);
    box.appendChild(this.status);
    // furo wraps a table in a scrolling container: put the controls before it
    var before = this.table.parentElement.classList.contains("table-wrapper")
      ? this.table.parentElement : this.table;
    before.parentElement.insertBefore(box, before);
    var self = this;
    this.input.addEventListener("input", function () {
      self.filter();
      writeFragment();
    });
  };

  Table.prototype.addSortButtons = function () {
    var self = this;
    var head = this.table.tHead && this.table.tHead.rows[0];
    if (!head) return;
    Array.prototype.forEach.call(head.cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "pm-sort";
      button.textContent = th.textContent.trim();
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var again = self.sorted && self.sorted.index === index;
        self.sort(index, again && !self.sorted.descending);
        writeFragment();
      });
    });
  };

  Table.prototype.filter = function () {
    var words = this.input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    this.rows.forEach(function (row) {
      var haystack = row.textContent.toLowerCase();
      var match = words.every(function (word) { return haystack.indexOf(word) >= 0; });
      row.hidden = !match;
      if (match) shown += 1;
    });
    this.status.textContent = words.length
      ? shown + " of " + this.rows.length + " " + this.noun + " shown"
      : this.rows.length + " " + this.noun;
  };

  Table.prototype.sort = function (index, descending) {
    var values = this.rows.map(function (row) { return cellText(row, index); });
    var key = keyFunction(columnName(this.table, index), values) || String;
    var keyed = this.rows.map(function (row, i) {
      return { row: row, empty: values[i] === "", key: values[i] === "" ? "" : key(values[i]), i: i };
    });
    keyed.sort(function (a, b) {
      if (a.empty !== b.empty) return a.empty ? 1 : -1;  // empty cells last, either way
      var order = compare(a.key, b.key);
      return (descending ? -order : order) || a.i - b.i;
    });
    var body = this.table.tBodies[0];
    keyed.forEach(function (item) { body.appendChild(item.row); });
    this.rows = keyed.map(function (item) { return item.row; });
    Array.prototype.forEach.call(this.table.tHead.rows[0].cells, function (th, i) {
      if (i === index) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
    this.sorted = { index: index, descending: descending };
  };

  Table.prototype.sortName = function () {
    if (!this.sorted) return "";
    var name = columnName(this.table, this.sorted.index) || String(this.sorted.index + 1);
    return name + (this.sorted.descending ? ":desc" : "");
  };

  Table.prototype.sortByName = function (value) {
    var parts = value.split(":");
    var cells = this.table.tHead ? this.table.tHead.rows[0].cells : [];
    for (var i = 0; i < cells.length; i++) {
      if (columnName(this.table, i) === parts[0] || String(i + 1) === parts[0]) {
        this.sort(i, parts[1] === "desc");
        return;
      }
    }
  };

  var tables = [];

  function fragment() {
    var hash = window.location.hash.replace(/^#/, "");
    return hash.indexOf("pm-") === 0 ? new URLSearchParams(hash) : null;
  }

  function writeFragment() {
    var params = new URLSearchParams();
    tables.forEach(function (t) {
      if (t.input.value) params.set("pm-filter" + t.suffix, t.input.value);
      if (t.sorted) params.set("pm-sort" + t.suffix, t.sortName());
    });
    var hash = params.toString();
    if (!hash && !fragment()) return;  // leave a heading's anchor alone
    var url = window.location.href.split("#")[0] + (hash ? "#" + hash : "");
    try {
      window.history.replaceState(window.history.state, "", url);
    } catch (error) {  // some browsers refuse it for file:// pages
      window.location.hash = hash;
    }
  }

  function readFragment() {
    var params = fragment();
    tables.forEach(function (t) {
      t.input.value = (params && params.get("pm-filter" + t.suffix)) || "";
      var sort = params && params.get("pm-sort" + t.suffix);
      if (sort) t.sortByName(sort);
      t.filter();
    });
  }

  function start() {
    var found = document.querySelectorAll(TABLES);
    for (var i = 0; i < found.length; i++) {
      if (found[i].tBodies.length) tables.push(new Table(found[i], tables.length + 1));
    }
    if (!tables.length) return;
    readFragment();
    window.addEventListener("hashchange", function () { if (fragment()) readFragment(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
