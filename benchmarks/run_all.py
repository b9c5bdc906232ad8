"""Every benchmark, one after the other, each in its own process (so that one's threads and
memory do not colour the next). Tables go to stdout, JSON to benchmarks/results/.

    python benchmarks/run_all.py          (or: make benchmark)
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["bench_core.py", "bench_evaluate.py", "bench_trust.py", "bench_lab.py", "bench_inspect.py", "bench_gui_training.py", "bench_soak.py",
           "bench_cells.py", "bench_distributions.py", "bench_recipe.py", "bench_my_digits.py", "bench_gradient_flow.py",
           "bench_sources.py", "bench_numbers.py", "bench_strokes.py", "bench_step.py", "bench_neighbours.py", "bench_handwriting.py"]

failed = []
for script in SCRIPTS:
    print(f"\n=== {script} ===", flush=True)
    if subprocess.run([sys.executable, str(HERE / script)], cwd=HERE).returncode != 0:
        failed.append(script)
if failed:
    sys.exit(f"failed: {', '.join(failed)}")
