"""The character-level language model: truncated BPTT, carried state, sampling, checkpoints, the CLI."""
import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from minirnn.backend import to_device
from minirnn.apps.charlm import (CharLM, Vocab, evaluate, load_text, loss_and_grad, make_streams,
                            next_char_probs, sample)
from minirnn.apps import charlm_train
from minirnn.apps.charlm_train import Config, load_checkpoint, lr_at, progress, train
from minirnn.losses import softmax_cross_entropy

ROOT = Path(__file__).resolve().parents[1]
TINY_TEXT = ROOT / "minirnn" / "data" / "tiny_text.txt"
CELLS = ("rnn", "lstm", "gru")


def tiny_model(cell, V=6, layers=2, seed=0, dtype=np.float64):
    return CharLM(V, cell, hidden=5, num_layers=layers, embed=4, seed=seed).astype(dtype)


def chunk_loss(model, x, y, state):
    """Forward only: mean loss over the chunk, and the state after it."""
    logits = model.forward(x, state)
    state = model.state
    return softmax_cross_entropy(logits, y)[0], state


def numeric_grads(model, f, n=4, eps=1e-6, seed=0):
    """Central differences of f() for n random entries of every parameter: {name: [(index, dL/dp)]}."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, p in model.params.items():
        out[name] = []
        for _ in range(n):
            i = tuple(int(rng.integers(0, s)) for s in p.shape)
            old = p[i]
            p[i] = old + eps
            plus = f()
            p[i] = old - eps
            minus = f()
            p[i] = old
            out[name].append((i, (plus - minus) / (2 * eps)))
    return out


def assert_grads_match(model, numeric, tol=1e-6):
    grads = model.grads
    for name, entries in numeric.items():
        for i, num in entries:
            ana = float(grads[name][i])
            num = float(num)
            assert abs(ana - num) <= tol * max(1.0, abs(num)), (name, i, ana, num)


# ---------------------------------------------------------------- truncated BPTT

@pytest.mark.parametrize("cell", CELLS)
def test_tbptt_with_whole_text_in_one_chunk_is_full_bptt(cell):
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 6, 25)
    x, y = (to_device(a) for a in make_streams(ids, 2))        # (2, 12) each, on the active backend
    model = tiny_model(cell)
    S = 40                                                     # S >= the text: one chunk
    loss, _ = loss_and_grad(model, x[:, :S], y[:, :S])
    full = lambda: chunk_loss(model, x, y, None)[0]            # noqa: E731  the loss of the whole sequence
    assert loss == pytest.approx(full(), abs=1e-12)
    assert_grads_match(model, numeric_grads(model, full))


@pytest.mark.parametrize("cell", CELLS)
def test_chunk_gradient_stops_at_the_carried_state(cell):
    rng = np.random.default_rng(2)
    x, y = (to_device(a) for a in make_streams(rng.integers(0, 6, 41), 2))   # (2, 20): two chunks of S = 10
    model = tiny_model(cell)
    _, state1 = chunk_loss(model, x[:, :10], y[:, :10], None)
    loss_and_grad(model, x[:, 10:], y[:, 10:], state1)         # the second chunk, truncated BPTT
    detached = lambda: chunk_loss(model, x[:, 10:], y[:, 10:], state1)[0]   # noqa: E731  state1 held fixed
    assert_grads_match(model, numeric_grads(model, detached))
    # ... which is not the full gradient of chunk 2's loss: that one also flows through chunk 1.
    through = lambda: chunk_loss(model, x[:, 10:], y[:, 10:], chunk_loss(model, x[:, :10], y[:, :10], None)[1])[0]  # noqa: E731
    wx = "1.Wx_l0"
    num_full = numeric_grads(model, through)[wx]
    assert max(abs(float(model.grads[wx][i]) - float(g)) for i, g in num_full) > 1e-6


@pytest.mark.parametrize("cell", CELLS)
def test_carried_state_equals_one_forward_over_the_whole_sequence(cell):
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 6, (3, 23))
    model = tiny_model(cell, layers=2, dtype=np.float32)
    whole = model.forward(ids)
    state_whole = model.state
    chunks, state = [], None
    for p in range(0, 23, 5):
        logits = model.forward(ids[:, p:p + 5], state)
        state = model.state
        chunks.append(logits)
    np.testing.assert_allclose(np.concatenate(chunks, axis=1), whole, rtol=1e-5, atol=1e-6)
    last = state[-1][0] if cell == "lstm" else state[-1]
    ref = state_whole[-1][0] if cell == "lstm" else state_whole[-1]
    np.testing.assert_allclose(last, ref, rtol=1e-5, atol=1e-6)


def test_streams_are_contiguous_and_targets_shifted():
    ids = np.arange(23)
    x, y = make_streams(ids, 4)
    assert x.shape == y.shape == (4, 5)
    np.testing.assert_array_equal(x[1], np.arange(5, 10))
    np.testing.assert_array_equal(y, x + 1)
    with pytest.raises(ValueError, match="too short"):
        make_streams(np.arange(4), 8)


# ---------------------------------------------------------------- sampling

@pytest.fixture(scope="module")
def untrained():
    vocab = Vocab.from_text("abcdefgh \n")
    return CharLM(vocab.size, "lstm", hidden=16, num_layers=2, embed=8, dropout=0.3, seed=5), vocab


def test_temperature_zero_is_greedy(untrained):
    model, vocab = untrained
    got = sample(model, vocab, 30, prime="abc", temperature=0, seed=1)
    ids = list(vocab.encode("abc"))
    for _ in range(30):                                        # argmax, re-reading the whole prefix each time
        logits = model.eval().forward(np.array([ids]))
        ids.append(int(np.argmax(logits[0, -1])))
    model.train()
    assert got == vocab.decode(ids)
    assert sample(model, vocab, 30, prime="abc", temperature=1e-6, seed=2) == got


def test_fixed_seed_gives_the_same_sample(untrained):
    model, vocab = untrained
    a = sample(model, vocab, 80, prime="a", temperature=1.0, seed=7)
    assert a == sample(model, vocab, 80, prime="a", temperature=1.0, seed=7)
    assert a != sample(model, vocab, 80, prime="a", temperature=1.0, seed=8)


def test_top_k_keeps_only_the_k_likeliest():
    logits = np.array([0.1, 3.0, -1.0, 2.5, 0.0])
    p = next_char_probs(logits, temperature=1.0, top_k=2)
    assert set(np.flatnonzero(p)) == {1, 3}
    assert p.sum() == pytest.approx(1.0)
    assert next_char_probs(logits, temperature=0)[1] == 1.0


def test_unknown_prime_character_is_a_clear_error(untrained):
    model, vocab = untrained
    with pytest.raises(ValueError, match=r"'Z'.*not in the model's vocabulary"):
        sample(model, vocab, 10, prime="abZ")


def test_bad_text_files_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        load_text(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(ValueError, match="empty.txt is empty"):
        load_text(tmp_path / "empty.txt")
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    with pytest.raises(ValueError, match="latin1.txt is not UTF-8: byte 3"):
        load_text(tmp_path / "latin1.txt")


# ---------------------------------------------------------------- learning

@pytest.mark.slow
def test_learns_a_repetitive_text_and_samples_it_back(tmp_path):
    text = "hello world! " * 60
    config = Config(cell="lstm", num_layers=1, hidden=32, embed=16, batch=4, seq_len=20, lr=1e-2, eval_every=1000,
                    val_fraction=0.1, val_chars=1000, dropout=0.0, embed_dropout=0.0)
    result = train(text, config, tmp_path, max_steps=150, verbose=False, log=lambda *a: None)
    assert result["val_loss"] < 0.05
    got = sample(result["model"], result["vocab"], 39, prime="hello", temperature=0)
    assert got == ("hello world! " * 4)[:44]


# ---------------------------------------------------------------- checkpoints

def stop_like_ctrl_c_after(monkeypatch, n):
    """Make train() get a real SIGINT (its Ctrl-C handler) during update n, as if the user pressed Ctrl-C."""
    calls, real = [], charlm_train.train_chunk

    def counting(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == n:
            signal.raise_signal(signal.SIGINT)
        return out
    monkeypatch.setattr(charlm_train, "train_chunk", counting)


def test_resume_makes_the_same_updates_as_an_unbroken_run(tmp_path, monkeypatch):
    text = load_text(TINY_TEXT)[:6000]
    config = Config(cell="gru", num_layers=2, hidden=16, embed=8, dropout=0.2, embed_dropout=0.1, batch=4,
                    seq_len=16, eval_every=4, val_chars=500, sample_chars=10, lr=1e-2, lr_schedule="cosine",
                    optimizer="adamw", weight_decay=0.1)
    quiet = dict(verbose=False, log=lambda *a: None)
    unbroken = train(text, config, tmp_path / "a", max_steps=8, **quiet)
    with monkeypatch.context() as m:                               # Ctrl-C during update 5 of the same 8
        stop_like_ctrl_c_after(m, 5)
        stopped = train(text, config, tmp_path / "b", max_steps=8, **quiet)
    assert stopped["interrupted"] and stopped["run"]["step"] == 5
    resumed = train(text, None, tmp_path / "b", max_steps=8, resume=tmp_path / "b" / "charlm.npz", **quiet)
    a, b = load_checkpoint(tmp_path / "a" / "charlm.npz"), load_checkpoint(tmp_path / "b" / "charlm.npz")
    for k, v in a[0].params.items():                               # the latest weights: the same updates
        np.testing.assert_allclose(b[0].params[k], v, rtol=1e-6, atol=1e-7, err_msg=k)
    assert a[1].lr == pytest.approx(b[1].lr) == pytest.approx(lr_at(a[3], 7 / 8))   # the schedule, continued
    assert unbroken["run"]["history"]["step"] == [4, 8]
    assert resumed["run"]["history"]["step"] == [4, 8]
    assert resumed["run"]["history"]["val_loss"] == pytest.approx(unbroken["run"]["history"]["val_loss"], rel=1e-6)
    model, opt, vocab, cfg, run = b
    assert (run["step"], cfg, vocab.chars) == (8, resumed["config"], unbroken["vocab"].chars)
    assert opt.t == 8 and type(opt).__name__ == "AdamW" and opt.weight_decay == 0.1
    assert resumed["val_loss"] == pytest.approx(unbroken["val_loss"], rel=1e-6)
    assert sample(model, vocab, 40, seed=3) == sample(a[0], vocab, 40, seed=3)


def test_learning_rate_schedule():
    config = Config(lr=2e-3, lr_floor=0.1, lr_schedule="cosine", lr_decay_start=0.0)
    lrs = [lr_at(config, f) for f in np.linspace(0, 1, 11)]
    assert lrs[0] == pytest.approx(2e-3) and lrs[-1] == pytest.approx(2e-4)
    assert lrs[5] == pytest.approx((2e-3 + 2e-4) / 2)              # cosine: halfway at half the budget
    assert all(a > b for a, b in zip(lrs, lrs[1:]))
    assert lr_at(config, 1.7) == lr_at(config, 1.0) and lr_at(config, -1) == lr_at(config, 0)
    assert lr_at(dict(config, lr_schedule="linear"), 0.25) == pytest.approx(2e-3 - 0.25 * 1.8e-3)
    assert lr_at(dict(config, lr_schedule="constant"), 0.9) == 2e-3
    held = dict(config, lr_decay_start=0.6)                        # the peak until 60%, then the decay over the rest
    assert lr_at(held, 0.5) == 2e-3 and lr_at(held, 0.8) == pytest.approx(lr_at(config, 0.5))
    assert lr_at(held, 1.0) == pytest.approx(2e-4)
    # The budget's fraction: the larger of steps and seconds, each only when set.
    assert progress({"step": 30, "seconds": 10.0, "budget": {"steps": 100, "seconds": None}}) == 0.3
    assert progress({"step": 30, "seconds": 60.0, "budget": {"steps": 100, "seconds": 120.0}}) == 0.5
    assert progress({"step": 30, "seconds": 60.0, "budget": {"steps": None, "seconds": 240.0}}) == 0.25
    with pytest.raises(ValueError, match="lr_schedule"):
        Config(lr_schedule="step")
    with pytest.raises(ValueError, match="lr_floor"):
        Config(lr_floor=1.5)


def test_keeps_the_best_checkpoint_next_to_the_latest(tmp_path):
    # The held-out end reads the alphabet backwards, so learning the forwards text makes validation worse:
    # the best weights are the early ones, and the latest ones are not.
    text = "abcdefgh" * 400 + "hgfedcba" * 45
    config = Config(cell="lstm", num_layers=1, hidden=16, embed=8, batch=4, seq_len=16, lr=2e-2, eval_every=5,
                    val_chars=160, lr_schedule="constant", dropout=0.0, embed_dropout=0.0)
    result = train(text, config, tmp_path, max_steps=30, verbose=False, log=lambda *a: None)
    hist = result["run"]["history"]
    best_at = hist["step"][int(np.argmin(hist["val_loss"]))]
    assert best_at < 30 and hist["val_loss"][-1] > min(hist["val_loss"]) + 0.1
    best = load_checkpoint(tmp_path / "charlm-best.npz")
    latest = load_checkpoint(tmp_path / "charlm.npz")
    assert best[4]["step"] == result["run"]["best"]["step"] == best_at and latest[4]["step"] == 30
    vocab, val_ids = best[2], best[2].encode(text)[-len(text) // 10:]
    slice_loss = evaluate(best[0], val_ids[:160], batch=4, seq_len=16)
    assert slice_loss == pytest.approx(min(hist["val_loss"]), rel=1e-6)       # the kept weights are the best
    whole = evaluate(best[0], val_ids, batch=4, seq_len=16)
    assert result["val_loss"] == pytest.approx(whole, rel=1e-6)                # reported: best weights, whole text
    assert best[4]["final_val_loss"] == latest[4]["final_val_loss"] == pytest.approx(whole, rel=1e-6)
    assert evaluate(latest[0], val_ids, batch=4, seq_len=16) > whole + 0.1
    assert result["model"].params["0.W"] == pytest.approx(best[0].params["0.W"])   # train() returns the best
    # Resumed into another folder, the run still knows and keeps its best weights.
    again = train(text, None, tmp_path / "c", max_steps=31, resume=tmp_path / "charlm.npz", verbose=False,
                  log=lambda *a: None)
    assert again["run"]["best"]["step"] == best_at and again["val_loss"] == pytest.approx(whole, rel=1e-6)


# ---------------------------------------------------------------- the command line

@functools.lru_cache(maxsize=1)
def _cli():
    """`python -m minirnn.cli` once cli.py has wired charlm in; this module on its own until then."""
    main = [sys.executable, "-m", "minirnn.cli"]
    if (ROOT / "minirnn" / "cli.py").exists():
        r = subprocess.run(main + ["charlm", "--help"], capture_output=True, env=_env(), cwd=ROOT, timeout=60)
        if r.returncode == 0:
            return tuple(main)
    return (sys.executable, "-m", "minirnn.cli.charlm")


def _env():
    return dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


@pytest.mark.slow
def test_cli_train_then_sample(tmp_path):
    out = tmp_path / "run"
    train_cmd = list(_cli()) + ["charlm", "train", "--data", str(TINY_TEXT), "--model", "lstm", "--hidden", "16",
                          "--embed", "8", "--batch", "4", "--seq-len", "20", "--max-steps", "6",
                          "--eval-every", "3", "--minutes", "0.5", "--out", str(out), "--quiet"]
    r = subprocess.run(train_cmd, capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "validation loss" in r.stdout and "bits/char" in r.stdout
    for name in ("charlm.npz", "charlm-best.npz", "loss_curve.png", "samples.txt"):
        assert (out / name).stat().st_size > 0
    sample_cmd = list(_cli()) + ["charlm", "sample", "--checkpoint", str(out), "--prime", "ROMEO:",
                           "--length", "50", "--temperature", "0.8", "--top-k", "5", "--seed", "1"]
    r1 = subprocess.run(sample_cmd, capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=60)
    r2 = subprocess.run(sample_cmd, capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=60)
    assert r1.returncode == 0, r1.stderr
    assert f"best-validation checkpoint {out / 'charlm-best.npz'}" in r1.stderr       # a folder: its best one
    assert r1.stdout.startswith("ROMEO:") and len(r1.stdout.rstrip("\n")) >= 50
    assert r1.stdout == r2.stdout
    bad = subprocess.run(sample_cmd[:-8] + ["--prime", "ROMEO\u20ac"], capture_output=True, text=True,
                         env=_env(), cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and "'\u20ac'" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_refuses_a_text_shorter_than_one_chunk_and_a_missing_data(tmp_path, capsys):
    from minirnn.cli.charlm import main
    short = tmp_path / "short.txt"
    short.write_text("To be, or not to be: that is the question.\n" * 20, encoding="utf-8")   # 860 chars
    assert main(["charlm", "train", "--data", str(short), "--out", str(tmp_path / "run"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "860 characters" in err and "shorter than one chunk" in err
    assert "--batch 32 x --seq-len 100" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()                                      # nothing trained, nothing written
    assert main(["charlm", "train", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--data" in err and "tiny_text.txt" in err and "tinyshakespeare" in err
    tiny = err.split("--data ")[2].split(" ")[0]                               # the shipped file it names
    assert Path(tiny).resolve() == TINY_TEXT.resolve() or (ROOT / tiny).resolve() == TINY_TEXT.resolve()


@pytest.mark.slow
def test_cli_ctrl_c_saves_a_checkpoint_and_exits_cleanly(tmp_path):
    out = tmp_path / "run"
    cmd = list(_cli()) + ["charlm", "train", "--data", str(TINY_TEXT), "--hidden", "16", "--embed", "8",
                    "--batch", "4", "--seq-len", "20", "--minutes", "2", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT)
    header = proc.stdout.readline()                            # printed once the Ctrl-C handler is in place
    assert header.startswith("charlm:"), header + proc.stderr.read()
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "checkpoint saved" in stdout
    _, _, _, _, run = load_checkpoint(out / "charlm.npz")
    assert run["step"] >= 1


@pytest.mark.gpu
def test_cupy_backend_matches_numpy():
    from minirnn import backend
    from minirnn.backend import set_backend, to_numpy
    from minirnn.apps.charlm import train_chunk
    from minirnn.optim import Adam
    rng = np.random.default_rng(4)
    x, y = make_streams(rng.integers(0, 6, 121), 3)            # (3, 40)
    before = backend.get_backend()                              # put back after, whatever it was
    try:
        set_backend("numpy")
        cpu = CharLM(6, "lstm", hidden=8, num_layers=2, embed=4, seed=1)
        opt_cpu = Adam(cpu.layers, lr=1e-2)
        xp = set_backend("cupy")
        gpu = CharLM(6, "lstm", hidden=8, num_layers=2, embed=4, seed=1)
        opt_gpu = Adam(gpu.layers, lr=1e-2)
        s_cpu = s_gpu = None
        for p in (0, 20):
            l_cpu, _, s_cpu = train_chunk(cpu, opt_cpu, x[:, p:p + 20], y[:, p:p + 20], s_cpu)
            l_gpu, _, s_gpu = train_chunk(gpu, opt_gpu, xp.asarray(x[:, p:p + 20]), xp.asarray(y[:, p:p + 20]), s_gpu)
            assert l_gpu == pytest.approx(l_cpu, rel=1e-4)
        for k, v in cpu.params.items():
            np.testing.assert_allclose(to_numpy(gpu.params[k]), v, rtol=1e-4, atol=1e-5, err_msg=k)
        vocab = Vocab("abcdef")
        assert sample(gpu, vocab, 20, prime="ab", temperature=0) == sample(cpu, vocab, 20, prime="ab", temperature=0)
    finally:
        backend._xp = before
