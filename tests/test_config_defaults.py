"""config.toml is the documented defaults: every setting appears there, with a comment, and
with the value the code uses when the key is left out."""
from __future__ import annotations

import tomllib

from tests.conftest import REPO_ROOT
from vtdriver.config.errors import find_key_line
from vtdriver.config.loader import describe_sections, load_config


def test_every_setting_is_documented_with_its_default():
    text = (REPO_ROOT / "config.toml").read_text()
    document = tomllib.loads(text)
    lines = text.splitlines()
    for table, key, default, doc in describe_sections():
        if table == "outputs":
            continue
        section = document
        for part in table.split("."):
            section = section[part]
        assert key in section, f"[{table}] {key} missing from config.toml"
        assert section[key] == default, f"[{table}] {key} = {section[key]!r}, code default {default!r}"
        line = find_key_line(text, table, key)
        assert line and lines[line - 2].lstrip().startswith("#"), f"[{table}] {key} has no comment"
        assert doc


def test_shipped_outputs_default_to_vseeface_and_a_disabled_vrchat_preset():
    config = load_config(REPO_ROOT / "config.toml")
    enabled = [o for o in config.outputs if o.enabled]
    assert [(o.kind, o.target, o.mapping) for o in enabled] == [("vmc", "127.0.0.1:39539", "mappings/vseeface.toml")]
    vrchat = [o for o in config.outputs if o.label == "vrchat"]
    assert vrchat and vrchat[0].target == "127.0.0.1:9000" and not vrchat[0].enabled
