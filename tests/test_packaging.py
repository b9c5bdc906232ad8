"""A built and installed wheel, not the editable install, opens the window with every tab built
and the shipped model loaded (issue 23: the hand-kept package list left out ui/train & co., and
the editable install hid it)."""

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "setup.py", "README.md", "recognizer", "models", "resources")

# Run by the installed package's own interpreter, away from the source tree: builds the window
# offscreen, lets it finish loading, and prints what it has.
PROBE = """
import json, sys
import recognizer
from recognizer.files.paths import default_model_path, resources_dir
from recognizer.ui.app import make_application
from recognizer.ui.dialogs import DIALOGS
from recognizer.ui.main_window import MainWindow
messages = []
DIALOGS.show_message = lambda parent, kind, title, text, details="": messages.append(text)
app = make_application()
window = MainWindow()
window.ensure_ready()
tabs = [window.tabs.widget(i) for i in range(window.tabs.count())]
print(json.dumps({
    "package": recognizer.__file__,
    "model": str(default_model_path()),
    "icon": (resources_dir() / "icon.svg").is_file(),
    "tabs": [type(t).__name__ for t in tabs],
    "accuracy": window.current_model.test_accuracy if window.current_model else None,
    "messages": messages,
}))
window.close()  # shuts every tab down, as quitting does
"""


def test_installed_wheel_opens_the_window_with_every_tab(tmp_path):
    # From a copy of what the sdist holds: setuptools builds in the source folder, and a build/
    # left there by an earlier build would carry deleted modules into the wheel.
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, source / name)
    # Without build isolation: setuptools comes from the project venv, so the build needs no index.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, capture_output=True, timeout=300)  # fmt: skip
    wheel = next((tmp_path / "dist").glob("recognizer-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "recognizer/models/default.safetensors" in names
    assert "recognizer/resources/icon.svg" in names

    # A fresh venv that sees the dependencies already installed here: a .pth naming this
    # interpreter's site-packages (a venv made --system-site-packages from a venv would see the
    # base Python's, not the project's). Lines of a .pth are added as plain folders, so the
    # editable install's own .pth hook in there stays off and `recognizer` can only come from
    # the wheel. Offline and quick: --no-deps, --no-index.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    deps = [p for p in site.getsitepackages() + [sysconfig.get_paths()["purelib"]] if Path(p).is_dir()]
    (Path(purelib) / "project-deps.pth").write_text("\n".join(dict.fromkeys(deps)) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, timeout=300)  # fmt: skip
    assert (venv / "bin" / "recognizer").is_file()  # the console script

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               HOME=str(tmp_path))  # fmt: skip
    done = subprocess.run([str(python), "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["package"].startswith(purelib), out["package"]  # the wheel's copy, not the source tree
    assert out["model"].startswith(purelib) and out["icon"]
    assert out["tabs"] == ["InspectTab", "TrainTab", "EvaluateTab", "LabTab", "DigitsTab"], out["tabs"]
    assert out["accuracy"] is not None and out["accuracy"] >= 0.99 and out["messages"] == []
