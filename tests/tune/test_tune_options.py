"""Training options that depend on the machine."""

from __future__ import annotations

from pathlib import Path

from hausgeist.tune.options import TrainOptions, native_bf16


def _cpuinfo(tmp_path: Path, flags: str) -> Path:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nflags\t\t: fpu sse2 {flags}\n\nprocessor\t: 1\n")
    return path


def test_bf16_only_where_the_cpu_computes_it(tmp_path: Path) -> None:
    assert not native_bf16(_cpuinfo(tmp_path, "avx2 avx512f"))
    assert native_bf16(_cpuinfo(tmp_path, "avx512f avx512_bf16"))
    assert native_bf16(_cpuinfo(tmp_path, "amx_tile amx_bf16"))
    assert not native_bf16(tmp_path / "missing")  # not Linux, or no /proc: float32


def test_an_explicit_choice_wins() -> None:
    assert TrainOptions(bf16=True).use_bf16()
    assert not TrainOptions(bf16=False).use_bf16()
    assert TrainOptions().use_bf16() == native_bf16()
