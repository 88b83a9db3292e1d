"""Loading ``config.toml``: parse with tomllib, validate every table against the settings
dataclass that owns it, check that every referenced mapping file exists and parses.

Everything is checked at start-up so that a typo stops the bridge before it goes live, with one
line naming the file, key and line, rather than minutes into a stream.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from vtdriver.config.mapping_files import check_mapping_files
from vtdriver.config.registry import SECTIONS, SMOOTHING_PARTS, SmoothingSettings
from vtdriver.config.sections import OutputSettings
from vtdriver.config.targets import validate_output_target
from vtdriver.config.toml_file import read_toml
from vtdriver.config.validate import TableContext, build_settings
from vtdriver.tracker import TrackerError, TrackerSettings, check_settings

DEFAULT_OUTPUTS = (OutputSettings(),)


@dataclass(frozen=True)
class Config:
    path: Path
    sections: dict[str, Any]
    smoothing: dict[str, SmoothingSettings]
    outputs: tuple[OutputSettings, ...]
    warnings: tuple[str, ...] = ()
    mapping_paths: dict[str, Path] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        sections = self.__dict__.get("sections", {})
        if name in sections:
            return sections[name]
        raise AttributeError(name)

    def resolve(self, relative: str) -> Path:
        """A path from the config, relative to the config file's own folder."""
        path = Path(relative).expanduser()
        return path if path.is_absolute() else self.path.parent / path


def _load_outputs(path: Path, text: str, raw: Any) -> tuple[OutputSettings, ...]:
    if raw is None:
        return DEFAULT_OUTPUTS
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise TableContext(path, text, "").error("outputs", "must be written as [[outputs]] tables")
    outputs = tuple(
        build_settings(OutputSettings, table, TableContext(path, text, "outputs", index))
        for index, table in enumerate(raw)
    )
    labels = [o.label for o in outputs]
    for index, label in enumerate(labels):
        if labels.index(label) != index:
            raise TableContext(path, text, "outputs", index).error(
                "name", f"two outputs are called {label!r}; give each a distinct name"
            )
    return outputs


def load_config(path: str | Path) -> Config:
    path = Path(path)
    text, document = read_toml(path)
    top = TableContext(path, text, "")
    known = set(SECTIONS) | {"smoothing", "outputs"}
    for key, value in document.items():
        if key not in known:
            raise top.error(key, f"unknown section or key (known: {', '.join(sorted(known))})")

    sections = {
        name: build_settings(cls, document.get(name, {}), TableContext(path, text, name))
        for name, cls in SECTIONS.items()
    }

    smoothing_table = document.get("smoothing", {})
    if not isinstance(smoothing_table, dict):
        raise top.error("smoothing", "must be a table")
    for key in smoothing_table:
        if key not in SMOOTHING_PARTS:
            raise TableContext(path, text, "smoothing").error(
                key, f"unknown part (known: {', '.join(SMOOTHING_PARTS)})"
            )
    smoothing = {
        part: build_settings(
            SmoothingSettings,
            smoothing_table.get(part, {}),
            TableContext(path, text, f"smoothing.{part}"),
        )
        for part in SMOOTHING_PARTS
    }

    outputs = _load_outputs(path, text, document.get("outputs"))
    warnings = []
    for index, output in enumerate(outputs):
        ctx = TableContext(path, text, "outputs", index)
        warning = validate_output_target(output.target, output.allow_remote, ctx)
        if warning:
            warnings.append(warning)

    _check_tracker(sections["tracker"], TableContext(path, text, "tracker"))
    config = Config(path=path, sections=sections, smoothing=smoothing, outputs=outputs, warnings=tuple(warnings))
    mapping_paths = check_mapping_files(config, text)
    return replace(config, mapping_paths=mapping_paths)


def _check_tracker(settings: TrackerSettings, ctx: TableContext) -> None:
    """A model that is not bundled fails here, at start-up, rather than when MediaPipe tries
    to download it mid-launch."""
    try:
        check_settings(settings)
    except TrackerError as exc:
        message = str(exc).split(": ", 1)[-1] if str(exc).startswith("tracker.") else str(exc)
        raise ctx.error("model_complexity", message) from None


def describe_sections() -> list[tuple[str, str, Any, str]]:
    """(table, key, default, doc) for every setting, so a test can check that config.toml
    documents each one."""
    tables = list(SECTIONS.items()) + [(f"smoothing.{p}", SmoothingSettings) for p in SMOOTHING_PARTS]
    tables.append(("outputs", OutputSettings))
    rows = []
    for name, cls in tables:
        defaults = cls()
        for f in fields(cls):
            rows.append((name, f.name, getattr(defaults, f.name), f.metadata.get("doc", "")))
    return rows
