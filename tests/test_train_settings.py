"""The one table of training settings (training/settings.py): the CLI's options, TrainConfig's
defaults and checks and the Train tab's form all come from it, and each value it shows reads
back as the same value."""

from __future__ import annotations

import pytest

from recognizer.commands.digits import training_plan
from recognizer.commands.main import build_parser
from recognizer.training.settings import BY_NAME, DEFAULTS, MAX_SEED, SETTINGS
from recognizer.training.trainer import TrainConfig


def test_the_cli_and_the_train_tab_start_from_the_same_defaults():
    args = build_parser().parse_args(["train", "--out", "m.safetensors"])
    assert training_plan(args).config == TrainConfig()  # the tab's Defaults button sets TrainConfig() too
    flags = build_parser().parse_args(["train", "--out", "m", "--no-augment", "--seed", str(MAX_SEED), "--epochs", "5,000",
                                       "--warmup-steps", "auto", "--lr", "3e-3", "--no-fit-verdict"])  # fmt: skip
    config = training_plan(flags).config
    assert (config.augment, config.seed, config.epochs, config.warmup_steps) == (False, MAX_SEED, 5000, None)
    assert config.learning_rate == 3e-3 and config.fit_verdict is False


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_value_shown_reads_back_the_same(setting):
    assert setting.check(setting.default) is None and setting.parse(setting.show(setting.default)) == setting.default
    samples = {"float": [0.0012345678901234, 1e-7, 3.0], "int": [setting.lo, setting.hi]}.get(setting.kind, [])
    for value in samples:
        assert setting.parse(setting.show(value)) == value


def test_limits_are_checked_the_same_everywhere():
    epochs = next(s for s in SETTINGS if s.name == "epochs")
    with pytest.raises(ValueError, match="from 1 to 10,000"):
        epochs.parse("10001")
    with pytest.raises(ValueError, match="from 1 to 10,000"):
        TrainConfig(epochs=10_001)
    with pytest.raises(ValueError, match="from 0 to"):
        next(s for s in SETTINGS if s.name == "seed").parse("9" * 10_000)  # refused without converting it


def test_a_setting_added_to_the_table_is_an_option_and_a_field(monkeypatch, qtbot):
    """One row in the table (here a stand-in switch) gives the CLI its --x/--no-x
    and the Train tab a check box with the row's help, at the end of the form."""
    from PySide6.QtWidgets import QCheckBox

    from recognizer.training import settings as train_settings
    from recognizer.ui.train import form as form_module

    extra = train_settings.Setting("mirrored", "--mirrored", "Mirrored", False, "also train on mirrored digits")
    monkeypatch.setattr(train_settings, "SETTINGS", (*SETTINGS, extra))
    monkeypatch.setattr(form_module, "SETTINGS", (*SETTINGS, extra))
    monkeypatch.setitem(train_settings.BY_NAME, "mirrored", extra)
    assert build_parser().parse_args(["train", "--out", "m", "--mirrored"]).mirrored is True
    assert build_parser().parse_args(["train", "--out", "m"]).mirrored is None  # not given: the default
    form = form_module.SettingsForm()
    qtbot.addWidget(form)
    box = form.widgets["mirrored"]
    assert isinstance(box, QCheckBox) and box.toolTip() == "Also train on mirrored digits."
    box.click()
    assert form.values["mirrored"] is True


def test_the_pen_data_switch_takes_its_folder_on_the_command_line():
    """A folder-taking row (pen data): --pen-data DIR turns it on from there, --no-pen-data off,
    neither leaves it to the default (on where the folder is found)."""
    assert BY_NAME["pen_data"].folder and DEFAULTS["pen_data"] is True
    given = build_parser().parse_args(["train", "--out", "m", "--pen-data", "/some/where"])
    assert given.pen_data is None and str(given.pen_data_dir) == "/some/where"
    off = build_parser().parse_args(["train", "--out", "m", "--no-pen-data"])
    assert off.pen_data is False and off.pen_data_dir is None
