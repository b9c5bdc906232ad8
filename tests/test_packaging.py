"""A non-editable install carries the shipped model and the resources inside the package."""

import subprocess
import sys
import zipfile


def test_wheel_holds_the_model_and_resources(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), "."],
                   check=True, capture_output=True, timeout=300)
    wheel = next((tmp_path / "dist").glob("recognizer-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "recognizer/models/default.safetensors" in names
    assert "recognizer/resources/icon.svg" in names
    assert "recognizer/ui/app.py" in names

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    probe = (
        "import recognizer.paths as p, recognizer.modelfile as m;"
        "print(p.default_model_path());"
        "print(m.load_model(p.default_model_path()).test_accuracy);"
        "print((p.resources_dir() / 'icon.svg').is_file())"
    )
    out = subprocess.run([sys.executable, "-c", probe], env={"PYTHONPATH": str(target)}, cwd=tmp_path,
                         check=True, capture_output=True, text=True, timeout=120).stdout.split()
    assert out[0].startswith(str(target)) and float(out[1]) >= 0.992 and out[2] == "True"
