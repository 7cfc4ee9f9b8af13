"""`minirnn read`: the reading page is made from the source, every equation beside its line, and
the README's math-to-code table is on it row by row; bad math or a stale row fails the build.
(The pages in a real browser: tests/test_read_browser.py.)"""
import ast
import html
import io
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

pytest.importorskip("pygments")
from minirnn.read import MathError, STATIC, build, plan, slug  # noqa: E402
from minirnn.read.mathtext import to_latex, to_segments, validate  # noqa: E402
from minirnn.read.source import short_names  # noqa: E402
from minirnn.read.readme import READING_ORDER, code_part, parse_row, reading_order, table_places  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
ENGINE = ["minirnn/rnn.py", "minirnn/lstm.py", "minirnn/gru.py"]
PLAIN = ["minirnn/plain/rnn.py", "minirnn/plain/lstm.py", "minirnn/plain/gru.py"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build(tmp_path_factory.mktemp("read"), root=ROOT)


def page_rows(path):
    """A built page -> [(notes' LaTeX strings, {line number: the line's code as text})], one per row."""
    rows = []
    for line in Path(path).read_text().splitlines():
        if not line.startswith('<div class="row '):
            continue
        note, _, code = line.partition('<div class="code">')
        tex = [html.unescape(t) for t in re.findall(r'data-tex="([^"]*)"', note)]
        lines = {int(n): html.unescape(re.sub(r"<[^>]+>", "", c))
                 for n, c in re.findall(r'id="L(\d+)" data-line="\d+">(?:<a[^>]*>\d+</a>)<code>(.*?)</code>', code)}
        rows.append((tex, lines))
    return rows


def row_of(rows, n):
    hits = [r for r in rows if n in r[1]]
    assert len(hits) == 1, f"line {n} is in {len(hits)} rows"
    return hits[0]


def test_every_page_builds_with_its_equations(site):
    order, pages, _ = plan(ROOT)
    assert [slug(p) for p, _ in pages] == list(site.pages)
    for path in PLAIN + ENGINE + ["minirnn/recurrent.py"]:
        assert slug(path) in site.pages, f"{path} has no page"
    for path in PLAIN + ENGINE:
        assert site.equations[slug(path)] >= 40, f"{path}: too few equations typeset"
    index = site.index.read_text()
    linked = re.findall(r'<li><a href="([\w-]+)\.html">', index.split("<h2>Around")[0])
    assert linked == [slug(p) for p in order if slug(p) in site.pages], "the index is not in reading order"


def test_each_equation_comment_is_typeset_beside_its_own_line(site):
    """Independently of the generator: every end-of-line comment that states an equation (has ' = ')
    has its LaTeX in the note of the row that shows its line."""
    for path in PLAIN + ENGINE:
        rows = page_rows(site.pages[slug(path)])
        text = (ROOT / path).read_text()
        names = short_names(ast.parse(text))
        checked = 0
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type != tokenize.COMMENT or not tok.line[:tok.start[1]].strip() or " = " not in tok.string:
                continue
            tex, lines = row_of(rows, tok.start[0])
            want = [s for k, s in to_segments(tok.string[1:].strip(), names=names) if k == "math"]
            assert want and all(w in tex for w in want), f"{path}:{tok.start[0]}: {tok.string!r} is not beside its line"
            assert lines[tok.start[0]].strip() == code_part(tok.line).strip()
            checked += 1
        assert checked >= 4, f"{path}: only {checked} equation comments found"


def test_every_readme_table_row_is_on_the_page_beside_its_line(site):
    entries = table_places(README)
    assert len(entries) >= 40, "the README's math-to-code table lost its rows"
    for e in entries:
        assert slug(e.path) in site.pages, f"{e.path} (README row `{e.code}`) has no page"
        tex, lines = row_of(page_rows(site.pages[slug(e.path)]), e.line)
        assert e.code in lines[e.line], f"{e.path}:{e.line} on the page is {lines[e.line]!r}, not `{e.code}`"
        assert list(lines) == [e.line], f"{e.path}:{e.line} shares its row with lines {sorted(lines)}: not level"
        cell = [s for m in re.findall(r"`([^`]*)`", e.equation) for k, s in to_segments(m) if k == "math"]
        assert all(t in tex for t in cell), f"README row for {e.path}:{e.line}: {e.equation!r} is not beside its line"


def test_a_stale_readme_row_fails_the_build(tmp_path):
    row = next(line for line in README.splitlines() if parse_row(line) and "`minirnn/lstm.py:" in line)
    e = table_places(row)[-1]
    stale = README.replace(row, row.replace(f"{e.path}:{e.line}`", f"{e.path}:{e.line + 1}`"))
    with pytest.raises(MathError, match=rf"{re.escape(e.path)}:{e.line + 1}"):
        build(tmp_path, root=ROOT, readme=stale)


@pytest.mark.parametrize("comment, where", [("h_t = tanh(a_t", r"rnn.py:{n}: expected \)"),
                                            ("h_t = a_t + * b", r"unexpected '\*'"), ("h_t = a_t + b_{t", "cannot read"),
                                            ("h_t = a_t + = b", "two operators"),
                                            ("$$ \\frac{a $$", "unmatched"), ("$$ \\foo{a} $$", "unknown command")])
def test_invalid_math_fails_the_build_naming_the_file(tmp_path, comment, where):
    root = tmp_path / "src"
    (root / "minirnn").mkdir(parents=True)
    lines = (ROOT / "minirnn/rnn.py").read_text().splitlines()
    n = next(i for i, line in enumerate(lines) if "h = tanh(a)" in line)
    if comment.startswith("$$"):
        lines.insert(n, " " * 4 + "# " + comment)
    else:
        lines[n] = lines[n].split("#")[0] + "# " + comment
    (root / "minirnn/rnn.py").write_text("\n".join(lines) + "\n")
    readme = "Reading order: `minirnn/rnn.py`.\n"
    with pytest.raises(MathError, match=where.format(n=n + 1)) as err:
        build(tmp_path / "out", root=root, readme=readme)
    assert "minirnn/rnn.py" in str(err.value)


@pytest.mark.parametrize("text, latex", [
    ("c_t = f_t c_{t-1} + i_t g_t", r"c_{t} = f_{t} \odot c_{t-1} + i_{t} \odot g_{t}"),
    ("a_t = x_t W_x + b + h_{t-1} W_h", r"a_{t} = x_{t} W_{x} + b + h_{t-1} W_{h}"),
    ("i_t = sigmoid(a_t[i])", r"i_{t} = \sigma(a_{t}[i])"),
    ("dL/dz = (σ(z) - y) / B", r"\frac{dL}{dz} = \frac{\sigma(z) - y}{B}"),
    ("sum_t h_{t-1}^T da_t", r"\sum_{t} h_{t-1}^{T} da_{t}"),
    ("m = β1 m + (1-β1) g", r"m = \beta_1 m + (1 - \beta_1) g"),
])
def test_plain_text_equations_become_latex(text, latex):
    assert to_latex(text) == latex


def test_words_shapes_and_names_are_not_typeset():
    segs = to_segments("backprop through h_{t-1} W_h: (B, H) @ (H, 4H) -> (B, 4H)")
    assert segs == [("text", "backprop through"), ("math", r"h_{t-1} W_{h}"), ("text", ":"),
                    ("shape", "(B, H) @ (H, 4H) -> (B, 4H)")]
    assert [k for k, _ in to_segments("on CuPy: one fused CUDA kernel (kernels/rnn_cell.cu)")] == ["text", "code", "text"]
    with pytest.raises(MathError):
        validate(r"\frac{a}{b")


def test_the_pages_load_nothing_from_a_network(site):
    out = site.index.parent
    for f in list(out.glob("*.html")) + [out / "_static/read.css", out / "_static/read.js"]:
        assert not re.search(r"https?://|//cdn|googleapis", f.read_text()), f"{f.name} names a network address"
    css = (out / "_static/katex/katex.min.css").read_text()
    fonts = re.findall(r"url\(([^)]+)\)", css)
    assert fonts and all(f.startswith("fonts/") and f.endswith(".woff2") for f in fonts)
    assert all((out / "_static/katex" / f).is_file() for f in fonts), "a font the CSS names is not shipped"


def test_katex_ships_with_its_licence_and_pinned_version():
    assert "MIT License" in (STATIC / "katex/LICENSE").read_text()
    version = (STATIC / "katex/VERSION").read_text().strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert f"version:\"{version}\"" in (STATIC / "katex/katex.min.js").read_text().replace(" ", "")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: KaTeX itself cannot be asked")
def test_katex_itself_accepts_every_formula_on_the_pages(site):
    tex = sorted({t for p in site.pages.values() for row in page_rows(p) for t in row[0]})
    script = ("const k = require(process.argv[1]); let bad = 0;"
              "for (const t of JSON.parse(require('fs').readFileSync(0, 'utf8'))) {"
              " try { k.renderToString(t, {throwOnError: true}); } catch (e) { bad++; console.log(t, e.message); } }"
              "process.exit(bad ? 1 : 0);")
    import json
    r = subprocess.run(["node", "-e", script, str(STATIC / "katex/katex.min.js")], input=json.dumps(tex),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(tex) >= 100


def test_the_reading_order_is_the_readmes():
    assert reading_order(README) == READING_ORDER, "minirnn/read/readme.py READING_ORDER (used without a README) differs"
    assert reading_order("no such paragraph") == READING_ORDER


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "minirnn.cli", "read", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env=env)


def test_minirnn_read_prints_the_page_address(tmp_path):
    r = run_cli("lstm", "--out", str(tmp_path / "site"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == (tmp_path / "site" / "lstm.html").resolve().as_uri()
    assert (tmp_path / "site" / "index.html").is_file()


@pytest.mark.parametrize("args, says", [(["nope"], "no page 'nope'"), (["--out", "README.md"], "is a file")])
def test_minirnn_read_bad_input_is_one_line_and_exit_2(args, says):
    r = run_cli(*args)
    assert r.returncode == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_minirnn_read_open_hands_the_address_to_the_browser(tmp_path):
    marker = tmp_path / "opened.txt"
    opener = tmp_path / "opener.py"
    opener.write_text(f"import sys; open({str(marker)!r}, 'w').write(sys.argv[1])\n")
    env = dict(__import__("os").environ, BROWSER=f"{sys.executable} {opener} %s")
    r = run_cli("--out", str(tmp_path / "site"), "--open", env=env)
    assert r.returncode == 0, r.stderr
    assert marker.read_text() == r.stdout.strip() == (tmp_path / "site" / "index.html").resolve().as_uri()


def test_without_pygments_minirnn_read_names_the_one_pip_command(tmp_path):
    code = ("import sys; sys.modules['pygments'] = None; from minirnn.cli import main; "
            f"sys.exit(main(['read', '--out', {str(tmp_path / 'site')!r}]))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 1 and r.stderr.strip().endswith("pip install Pygments"), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "site").exists()


def test_a_dollar_dollar_line_sets_the_math_of_the_line_under_it(tmp_path):
    root = tmp_path / "src"
    (root / "minirnn").mkdir(parents=True)
    lines = (ROOT / "minirnn/rnn.py").read_text().splitlines()
    n = next(i for i, line in enumerate(lines) if "h = tanh(a)" in line)
    lines.insert(n, "    # $$ h_t = \\tanh\\left(a_t\\right) $$")
    (root / "minirnn/rnn.py").write_text("\n".join(lines) + "\n")
    site = build(tmp_path / "out", root=root, readme="Reading order: `minirnn/rnn.py`.\n")
    tex, code = row_of(page_rows(site.pages["rnn"]), n + 2)
    assert "h = tanh(a)" in code[n + 2] and r"h_t = \tanh\left(a_t\right)" in tex


def test_the_try_it_commands_are_real_commands(site):
    import shlex
    from minirnn.cli import build_parser
    from minirnn.read import try_commands
    cmds = [c for s in site.pages for c in try_commands(s)]
    assert len(cmds) >= 10 and any("--plain" in c for c in cmds)
    for cmd in cmds:
        assert build_parser().parse_args(shlex.split(cmd)[1:]).func, cmd
        assert html.escape(cmd) in "".join(p.read_text() for p in site.pages.values())


def test_the_index_links_the_walkthrough_demo_when_it_is_there(tmp_path):
    root = tmp_path / "src"
    (root / "minirnn").mkdir(parents=True)
    shutil.copy(ROOT / "minirnn/rnn.py", root / "minirnn/rnn.py")
    readme = "Reading order: `minirnn/rnn.py`, then `demos/plain_to_fast.py`.\n"
    index = build(tmp_path / "a", root=root, readme=readme).index.read_text()
    assert "demos/plain_to_fast.py</code> <span>(not in this installation)" in index
    (root / "demos").mkdir()
    (root / "demos/plain_to_fast.py").write_text('"""From plain to fast."""\n')
    index = build(tmp_path / "b", root=root, readme=readme).index.read_text()
    assert f'href="{(root / "demos/plain_to_fast.py").as_uri()}"' in index
    assert index.index('href="rnn.html"') < index.index("plain_to_fast.py")


def test_the_index_finds_the_walkthrough_where_a_wheel_puts_it(tmp_path):
    """A wheel ships demos/ as minirnn/demos/ (pyproject's package-dir): the link must find it there too."""
    root = tmp_path / "site-packages"
    (root / "minirnn/demos").mkdir(parents=True)
    shutil.copy(ROOT / "minirnn/rnn.py", root / "minirnn/rnn.py")
    (root / "minirnn/demos/plain_to_fast.py").write_text('"""From plain to fast."""\n')
    readme = "Reading order: `minirnn/rnn.py`, then `demos/plain_to_fast.py`.\n"
    index = build(tmp_path / "out", root=root, readme=readme).index.read_text()
    assert f'href="{(root / "minirnn/demos/plain_to_fast.py").as_uri()}"' in index
    assert "not in this installation" not in index
