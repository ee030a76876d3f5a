"""bench/tamper_campaign.py's trials as a test: a few consistently edited states (crcs
recomputed), each restored and worked on, and none may end in an internal error (60
trials here; the campaign itself runs 1,500 per seed, see docs/reliability.md)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_tampered_states_with_recomputed_crcs_are_never_internal_errors(capsys):
    spec = importlib.util.spec_from_file_location(
        "tamper_campaign", ROOT / "bench" / "tamper_campaign.py"
    )
    assert spec is not None and spec.loader is not None
    campaign = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(campaign)
    assert campaign.main(["--trials", "60", "--seed", "11"]) == 0
    assert "60 trials, 0 broken" in capsys.readouterr().out
