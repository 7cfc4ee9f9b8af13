"""The `minirnn read` command (minirnn.cli registers it with add_parser; the work is done in
minirnn.read).

    minirnn read [PAGE] [--out DIR] [--open]

Builds the reading page from the installed source into DIR (default: the cache folder's read/)
and prints the file:// address of PAGE (rnn, lstm, gru, plain-lstm, recurrent, ...; default: the
index). Exit codes: 0 built; 1 Pygments is missing (the line says what to install); 2 bad input.
"""
import sys


def add_parser(subparsers):
    p = subparsers.add_parser("read", help="the code beside its equations, forward and backward, as web pages",
                              description="Build the reading page (each equation typeset beside the line "
                                          "that computes it) from the installed source, offline.")
    p.add_argument("page", nargs="?", default=None,
                   help="the page to print (and open): rnn, lstm, gru, plain-rnn, plain-lstm, plain-gru, "
                        "recurrent, ... (default: the index)")
    p.add_argument("--out", default=None, help="folder for the pages (default: $MINIRNN_CACHE/read, "
                                                "or ~/.cache/minirnn/read)")
    p.add_argument("--open", action="store_true", help="open the page in the web browser")
    p.set_defaults(func=run_read)


def run_read(args):
    import os
    from .common import prepare_out
    try:
        import pygments  # noqa: F401
    except ImportError:
        from ..read import NEEDS
        print(f"minirnn read: needs Pygments to highlight the code; install it with: {NEEDS}", file=sys.stderr)
        return 1
    from ..read import build, plan, slug
    pages = [slug(p) for p, _ in plan()[1]]
    if args.page is not None and args.page not in pages:
        raise ValueError(f"no page {args.page!r}; the pages are {', '.join(pages)}")
    if args.out is None:
        from ..datasets.imdb import default_cache_dir
        args.out = os.path.join(default_cache_dir(), "read")
    args.created = prepare_out(args.out)
    site = build(args.out)
    target = site.index if args.page is None else site.pages[args.page]
    url = target.resolve().as_uri()
    print(url)
    if args.open:
        import webbrowser
        if not webbrowser.open(url):
            print("minirnn read: no web browser found; open the address above", file=sys.stderr)
    return 0
