"""The layering of the apps holds: the contracts in pyproject.toml ([tool.importlinter]), checked by
import-linter over every import of the code (those inside functions too).

- The apps depend only on those below them, in the order of INSTALLED_APPS: the core
  (``confidentiality``) at the bottom, ``portal`` and ``demo`` at the top; no two in a circle.
- The core imports no feature app and not the access policy.
- The access policy (``access``) reads every app's models and nothing above them; no model imports it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_contract_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    from importlinter.cli import lint_imports

    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    report = capsys.readouterr().out
    assert code == 0, report[report.find("Broken contracts") :]


def test_the_layers_are_the_installed_apps_in_their_order() -> None:
    """The contract's layers and INSTALLED_APPS say the same thing, so neither drifts."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    listed = [name.strip() for layer in reversed(layers) for name in layer.split("|")]
    ours = set(config["root_packages"]) - {"access"}
    installed = [app for app in settings.INSTALLED_APPS if app in ours]
    assert sorted(listed) == sorted(installed)
    positions = {name: i for i, layer in enumerate(reversed(layers)) for name in layer.split(" | ")}
    assert [positions[app] for app in installed] == sorted(positions[app] for app in installed)
