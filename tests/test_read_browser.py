"""The reading page in a real browser: Debian's headless chromium, driven by playwright's pip wheel
(`playwright install` would download a browser; executable_path points it at the system one).

For every page, at 1280 and 800 px wide: nothing is requested but file: and data: addresses, every
equation the source gave the page is typeset by KaTeX (none failed), KaTeX's fonts loaded, the
console stayed quiet, each equation row starts level with its code, nothing is wider than the
window, and a screenshot is saved (under the test's tmp folder). Skipped without chromium.
"""
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
pytest.importorskip("pygments")

from minirnn.read import build  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (1280, 800)

CHECK = """() => {
  const rows = document.querySelector('.rows');
  const wide = [...document.querySelectorAll('.note, .code, .math, .line code, h1, .try')]
      .filter(e => e.getBoundingClientRect().right > innerWidth + 1).map(e => e.className || e.tagName);
  const uneven = [...document.querySelectorAll('.row.eq')].filter(r => {
      const n = r.querySelector('.note > :first-child'), c = r.querySelector('.line');
      return n && c && Math.abs(n.getBoundingClientRect().top - c.getBoundingClientRect().top) > 8;
  }).map(r => r.dataset.where);
  return {
    expected: rows ? Number(rows.dataset.equations) : 0,
    spans: document.querySelectorAll('.math').length,
    typeset: document.querySelectorAll('.math > .katex').length,
    errors: document.querySelectorAll('.katex-error').length,
    fonts: [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family),
    scroll: document.documentElement.scrollWidth, width: innerWidth, wide: wide.slice(0, 5),
    uneven: uneven.slice(0, 5), eqRows: document.querySelectorAll('.row.eq').length,
  };
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build(tmp_path_factory.mktemp("read-site"), root=ROOT)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_renders_offline_with_all_its_math(site, browser, width, tmp_path):
    context = browser.new_context(viewport={"width": width, "height": 900})
    requests, console = [], []
    context.route("**/*", lambda route: (requests.append(route.request.url),
                                         route.continue_() if route.request.url.startswith(("file:", "data:"))
                                         else route.abort()))
    page = context.new_page()
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    for name, path in [("index", site.index)] + list(site.pages.items()):
        page.goto(path.resolve().as_uri())
        page.wait_for_function("document.body.dataset.typeset !== undefined")
        page.evaluate("document.fonts.ready.then(() => true)")
        r = page.evaluate(CHECK)
        if name != "index":
            assert r["expected"] == site.equations[name] > 0, f"{name}: the page does not say how many equations"
            assert r["spans"] == r["expected"], f"{name}: {r['spans']} math spans, the source gave {r['expected']}"
            assert r["typeset"] == r["expected"], f"{name}: KaTeX typeset {r['typeset']} of {r['expected']}"
            assert {"KaTeX_Main", "KaTeX_Math"} <= set(r["fonts"]), f"{name}: math fonts not loaded: {r['fonts']}"
            assert r["eqRows"] > 0 and not r["uneven"], f"{name}: equation rows not level with their code: {r['uneven']}"
        assert r["errors"] == 0, f"{name}: {r['errors']} formulas KaTeX refused"
        assert r["scroll"] <= r["width"] and not r["wide"], f"{name} at {width}px: too wide {r['wide']}"
        page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)
    others = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert not others, f"requests that left the disk: {others[:5]}"
    assert any(u.endswith(".woff2") for u in requests), "no math font was requested"
    assert not console, console[:5]
    assert len(list(tmp_path.glob("*.png"))) == len(site.pages) + 1
    context.close()


def test_a_formula_katex_refuses_is_counted(site, browser, tmp_path):
    """The check can fail: a page with a formula KaTeX cannot read shows a .katex-error and an error."""
    bad = site.index.parent / "bad.html"
    html = site.pages["rnn"].read_text().replace('data-tex="h_{t}', 'data-tex="\\frac{h_{t}', 1)
    assert html != site.pages["rnn"].read_text()
    bad.write_text(html)
    page = browser.new_page()
    console = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.goto(bad.resolve().as_uri())
    page.wait_for_function("document.body.dataset.typeset !== undefined")
    assert page.evaluate(CHECK)["errors"] == 1
    assert any(m.startswith("math:") for m in console)
    page.close()
    bad.unlink()
