"""Progress of long admin runs goes to stderr: a line now and then when piped, never on stdout."""

from __future__ import annotations

import pytest

from starter import progress


def test_piped_progress_prints_plain_lines_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(progress, "LINE_EVERY_SECONDS", 0.0)
    with progress.counting("journeys verified") as counter:
        for n in (1000, 2000):
            counter.update(n, "1 broken")
    out, err = capsys.readouterr()
    assert out == ""
    assert "journeys verified: 2,000, 1 broken" in err and err.count("\n") == 2


def test_quiet_progress_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with progress.counting("events folded", quiet=True) as counter:
        counter.update(5)
    assert capsys.readouterr() == ("", "")
