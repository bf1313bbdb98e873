"""Figures the CLI writes as files (PNG), drawn with matplotlib off-screen."""

from __future__ import annotations

from pathlib import Path

from escalation.measure import Bin


def calibration_png(bins: list[Bin], target: Path, title: str, threshold: float | None) -> None:
    """A reliability diagram: predicted probability against the share that were crises, with
    how many texts fell in each bin underneath. Points on the diagonal are well calibrated."""
    import matplotlib

    matplotlib.use("Agg")  # no display: this runs on servers and in CI
    from matplotlib import pyplot as plt

    filled = [b for b in bins if b.texts]
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(6, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    top.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    top.plot(
        [b.mean_probability for b in filled],
        [b.crises / b.texts for b in filled],
        marker="o",
        label="learned screen",
    )
    if threshold is not None:
        for axis in (top, bottom):
            axis.axvline(threshold, color="firebrick", linewidth=1)
        top.text(threshold, 0.02, " threshold", color="firebrick")
    top.set(ylabel="share that were crises", ylim=(0, 1), title=title)
    top.legend(loc="upper left")
    bottom.bar([(b.low + b.high) / 2 for b in bins], [b.texts for b in bins], width=0.09)
    bottom.set(xlabel="predicted probability of a crisis", ylabel="texts", xlim=(0, 1))
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=100)
    plt.close(fig)
