// Drag-to-correct for the stamp layout page: each box (an SVG rect over
// the page preview) follows the pointer, or moves with the arrow keys
// (Shift: 10 points), and writes its position into the form's numeric
// fields (PDF points, lower-left origin). Without this file the fields
// work on their own.
(function () {
  "use strict";
  function field(name, k) {
    return document.querySelector('input[data-box="' + name + '"][data-k="' + k + '"]');
  }
  function write(rect, pageH) {
    var name = rect.getAttribute("data-field");
    var x = parseFloat(rect.getAttribute("x")), y = parseFloat(rect.getAttribute("y"));
    var h = parseFloat(rect.getAttribute("height"));
    var fx = field(name, "x"), fy = field(name, "y");
    if (fx) { fx.value = x.toFixed(2); }
    if (fy) { fy.value = (pageH - y - h).toFixed(2); }
  }
  function move(rect, svg, dx, dy) {
    var vb = svg.viewBox.baseVal;
    var w = parseFloat(rect.getAttribute("width")), h = parseFloat(rect.getAttribute("height"));
    var x = Math.min(Math.max(0, parseFloat(rect.getAttribute("x")) + dx), vb.width - w);
    var y = Math.min(Math.max(0, parseFloat(rect.getAttribute("y")) + dy), vb.height - h);
    rect.setAttribute("x", x.toFixed(2));
    rect.setAttribute("y", y.toFixed(2));
    write(rect, vb.height);
  }
  function toSVG(svg, ev) {
    var m = svg.getScreenCTM();
    if (!m) { return { x: 0, y: 0 }; }
    var p = svg.createSVGPoint();
    p.x = ev.clientX; p.y = ev.clientY;
    return p.matrixTransform(m.inverse());
  }
  document.querySelectorAll("svg[data-layout-page]").forEach(function (svg) {
    svg.querySelectorAll("rect.layout-box").forEach(function (rect) {
      var fs = field(rect.getAttribute("data-field"), "x");
      if (fs && fs.closest("fieldset") && fs.closest("fieldset").disabled) { return; }
      var last = null;
      rect.addEventListener("pointerdown", function (ev) {
        last = toSVG(svg, ev);
        rect.setPointerCapture(ev.pointerId);
        rect.classList.add("dragging");
        ev.preventDefault();
      });
      rect.addEventListener("pointermove", function (ev) {
        if (!last) { return; }
        var p = toSVG(svg, ev);
        move(rect, svg, p.x - last.x, p.y - last.y);
        last = p;
      });
      function end() { last = null; rect.classList.remove("dragging"); }
      rect.addEventListener("pointerup", end);
      rect.addEventListener("pointercancel", end);
      rect.addEventListener("keydown", function (ev) {
        var step = ev.shiftKey ? 10 : 1;
        var d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[ev.key];
        if (!d) { return; }
        move(rect, svg, d[0], d[1]);
        ev.preventDefault();
      });
    });
  });
  // Typing in the fields moves the box too.
  document.querySelectorAll("input[data-box]").forEach(function (input) {
    input.addEventListener("input", function () {
      var name = input.getAttribute("data-box");
      var rect = document.querySelector('rect[data-field="' + name + '"]');
      if (!rect) { return; }
      var svg = rect.ownerSVGElement, pageH = svg.viewBox.baseVal.height;
      var x = parseFloat(field(name, "x").value), y = parseFloat(field(name, "y").value);
      var w = parseFloat(field(name, "w").value), h = parseFloat(field(name, "h").value);
      if ([x, y, w, h].some(isNaN)) { return; }
      rect.setAttribute("x", x); rect.setAttribute("width", w); rect.setAttribute("height", h);
      rect.setAttribute("y", pageH - y - h);
    });
  });
})();
