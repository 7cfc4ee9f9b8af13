// Typeset every <span class="math" data-tex="..."> with the bundled KaTeX (no network).
// A formula KaTeX refuses is marked .katex-error and reported on the console; the build already
// checked each one, and the browser test counts both.
(function () {
  var spans = document.querySelectorAll(".math[data-tex]");
  var done = 0;
  for (var i = 0; i < spans.length; i++) {
    var el = spans[i];
    try {
      katex.render(el.getAttribute("data-tex"), el, { throwOnError: true, displayMode: false });
      done++;
    } catch (e) {
      el.classList.add("katex-error");
      el.title = String(e.message || e);
      console.error("math: " + el.title);
    }
  }
  document.body.setAttribute("data-typeset", String(done));
})();
