"""The peer-examples measurement scores a tiny peer rule folder built here (no peer data kept)."""

from __future__ import annotations

from pathlib import Path

import yaml

from mcpiam.secrets.families import expand_example, expand_example_with_span, load_families
from bench_loading import load_bench_module

BENCH = Path(__file__).resolve().parents[1] / "bench" / "peer_examples.py"


def load_bench():
    return load_bench_module("peer_examples")


def _example_of(family_id: str) -> str:
    family = next(f for f in load_families() if f.id == family_id)
    return expand_example(family.examples.positive[0].template)


def _write_rules(folder: Path, name: str, rules: list[dict]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(yaml.safe_dump({"rules": rules}), encoding="utf-8")


def test_positives_providers_and_negatives_are_counted_per_peer(tmp_path: Path) -> None:
    bench = load_bench()
    stripe_key, npm_token = _example_of("stripe-live-secret-key"), _example_of("npm-access-token")
    peer = tmp_path / "peer"
    # A Stripe rule whose examples are a code line and a bare key, and a harmless negative.
    _write_rules(peer, "stripe.yml", [{
        "id": "peer.stripe.1", "pattern": r"\b(sk_live_[A-Za-z0-9]{24,99})\b",
        "examples": [f'stripe.api_key = "{stripe_key}"', stripe_key],
        "negative_examples": ["sk_live_your_key_here"],
    }])
    # A peer file named differently from mcpiam's provider, mapped by hand (crates.io ->
    # crates-io), holding an npm token: reported, but not as the peer's provider.
    _write_rules(peer, "crates.io.yml",
                 [{"id": "peer.crates.1", "pattern": "x", "examples": [npm_token]}])

    scores, missed = bench.measure({"peer": peer}, capture=False)

    assert scores == [bench.Score(peer="peer", positives=3, reported=3, right_provider=2,
                                  negatives=1, flagged=0, pure_negatives=1, pure_flagged=0)]
    assert missed == ["peer peer.crates.1 [crates-io]: 1 as npm"]
    assert stripe_key not in "".join(missed) and npm_token not in "".join(missed)


def test_capture_plants_what_the_peer_pattern_captures(tmp_path: Path) -> None:
    bench = load_bench()
    stripe_key = _example_of("stripe-live-secret-key")
    line = f"let key = ({stripe_key});"
    assert bench.captured(r"\((sk_live_[A-Za-z0-9]+)\)", line) == stripe_key
    assert bench.captured(r"(?P<rust_only>\p{L}+)", line) == line  # a pattern Python cannot read
    assert bench.captured(r"nothing-here", line) == line
    # A peer that captures only the body after the prefix still plants the whole token.
    assert bench.captured(r"\bsk_live_([A-Za-z0-9]+)", line) == stripe_key


def test_a_missing_rules_folder_is_a_usage_error(tmp_path: Path, capsys) -> None:
    bench = load_bench()
    try:
        bench.main([f"peer={tmp_path / 'absent'}"])
    except SystemExit as exit_:
        assert exit_.code == 2
    else:
        raise AssertionError("expected a usage error")
    assert "not a folder of rule files" in capsys.readouterr().err


def test_a_fixed_env_key_takes_the_attribution_the_key_gave(tmp_path: Path) -> None:
    bench = load_bench()
    value = expand_example_with_span("{alnum:32}", "bench")[0]  # no family knows it
    _write_rules(tmp_path / "peer", "clarifai.yml", [{"id": "peer.clarifai.1", "pattern": "x",
                                                      "examples": [value]}])
    named, _ = bench.measure({"peer": tmp_path / "peer"}, capture=False)
    neutral, _ = bench.measure({"peer": tmp_path / "peer"}, capture=False, fixed_key="API_TOKEN")
    assert (named[0].reported, named[0].right_provider) == (1, 1)  # CLARIFAI_TOKEN names it
    assert (neutral[0].reported, neutral[0].right_provider) == (1, 0)  # API_TOKEN does not


def test_identifier_rules_are_counted_apart(tmp_path: Path) -> None:
    bench = load_bench()
    stripe_key = _example_of("stripe-live-secret-key")
    peer = tmp_path / "peer"
    # A hidden rule (Kingfisher's visible: false) and a rule named for an identifier: both find
    # names, not secrets, which mcpiam does not report; the Stripe key is a secret.
    _write_rules(peer, "stripe.yml", [
        {"id": "peer.stripe.1", "name": "Stripe Secret Key", "pattern": "x",
         "examples": [stripe_key]},
        {"id": "peer.stripe.2", "name": "Stripe Account Domain", "pattern": "x",
         "examples": ["shop.stripe-merchant.test"]},
        {"id": "peer.stripe.3", "name": "Stripe Thing", "visible": False, "pattern": "x",
         "examples": ["merchant-eu.stripe-connect.test"]},
    ])
    scores, _ = bench.measure({"peer": peer}, capture=False)
    assert (scores[0].positives, scores[0].reported, scores[0].identifiers,
            scores[0].identifiers_reported) == (3, 1, 2, 0)
    assert "without the 2 identifier examples: reported 1/1 (100.0 %)" in scores[0].line()
