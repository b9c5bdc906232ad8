"""The house rules, checked on the source: the core never imports Qt or the window; the tabs never
import each other; shared UI modules import no tab; no import cycle anywhere (imports inside
functions count); no module over the house's 400 lines; an import inside a function only where
start-up needs it; every registered tab follows the tab protocol, and no module of the window
imports another by a string (importlib)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "recognizer"
QT = ("PySide6", "pyqtgraph", "shiboken6")
TABS = ("recognizer.ui.inspect", "recognizer.ui.train", "recognizer.ui.evaluate", "recognizer.ui.lab", "recognizer.ui.digits")
WIRING = ("recognizer.ui.main_window", "recognizer.ui.tabs", "recognizer.ui.menus", "recognizer.ui.app")  # may import tabs
LAUNCHER = "recognizer.__main__"  # above both: hands the CLI a way to open the window
MAX_LINES = 400
# Where an import inside a function is the point, not a way round start-up (which the rule below
# allows wherever the window or the CLI starts):
LATE_IMPORTS_ELSEWHERE = {
    "recognizer.training.tensorboard_log": "tensorboard is an optional extra: only train --log-dir needs it",
    "recognizer.ui.train.job": "preload_training_modules: importing torch._dynamo off the UI thread is its whole job",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported_by(nodes, name: str, path: Path) -> set[str]:
    """The modules the import statements among `nodes` of module `name` import, as absolute dotted
    names ("from . import theme" counts as the module it names, too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                base = ".".join(anchor[: len(anchor) - (node.level - 1)] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def imports(name: str, path: Path) -> set[str]:
    """Every module that `name` imports, anywhere in the file, as absolute dotted names."""
    return imported_by(ast.walk(ast.parse(path.read_text(), str(path))), name, path)


def internal_graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: {m for m in imports(name, path) if m in mods and m != name} for name, path in mods.items()}


def in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_core_imports_no_qt_and_no_window():
    offenders = []
    for name, path in modules().items():
        if in_package(name, "recognizer.ui") or name == LAUNCHER:
            continue
        for imported in imports(name, path):
            if imported.split(".")[0] in QT or in_package(imported, "recognizer.ui"):
                offenders.append(f"{name} imports {imported}")
    assert offenders == []


def test_tabs_never_import_each_other_and_shared_modules_import_no_tab():
    offenders = []
    for name, targets in internal_graph().items():
        if not in_package(name, "recognizer.ui") or name in WIRING:
            continue
        own = next((tab for tab in TABS if in_package(name, tab)), None)
        for target in targets:
            tab = next((t for t in TABS if in_package(target, t)), None)
            if tab is not None and tab != own:
                offenders.append(f"{name} imports {target}")
    assert offenders == []


def test_no_import_cycles():
    graph = internal_graph()
    # A package's __init__ importing its own modules is not a cycle worth the name.
    cycles, index, low, stack, on_stack = [], {}, {}, [], set()

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_modules_stay_small(name):
    lines = modules()[name].read_text().count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines"


def top_level_imports(name: str, path: Path) -> set[str]:
    """What importing `name` imports at once: its module-level imports (not those under an if,
    such as TYPE_CHECKING, nor those inside functions), as absolute dotted names."""
    return imported_by(ast.parse(path.read_text()).body, name, path)


def imported_at_start() -> set[str]:
    """Every module of ours that `python -m recognizer` imports before the window is painted or a
    command runs: what the launcher, the window and the CLI import at module level, transitively
    (a package's __init__ with each of its modules)."""
    mods = modules()
    graph = {name: {m for m in top_level_imports(name, path) if m in mods} for name, path in mods.items()}
    seen, todo = set(), [LAUNCHER, "recognizer.ui.app", "recognizer.ui.main_window"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in mods]
        todo += graph.get(name, ())
    return seen


def test_imports_inside_functions_only_where_start_up_needs_them():
    """An import inside a function hides a dependency from the reader; it is allowed where it keeps
    work out of start-up: in a module imported before the window's first paint or a command's run
    (the window is on screen before torch loads, test_the_window_is_on_screen_before_torch_is_imported;
    `recognizer --help` takes 0.13-0.23 s where importing every command's modules takes 3.9-4.4 s,
    measured 2026-12-06 on this 2-core machine, loaded), and in LATE_IMPORTS_ELSEWHERE. A module
    that loads only after that (the Train, Evaluate, Lab and My digits tabs, the training code)
    imports at the top."""
    early = imported_at_start()
    offenders = []
    for name, path in modules().items():
        if name in early or name in LATE_IMPORTS_ELSEWHERE:
            continue
        for fn in ast.walk(ast.parse(path.read_text())):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                offenders += [f"{name}:{n.lineno}" for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert offenders == []
    assert {"recognizer.ui.inspect.tab", "recognizer.commands.train"} <= early  # the check sees start-up
    assert "recognizer.ui.train.tab" not in early and "recognizer.training.trainer" not in early


def test_the_checks_see_real_imports():
    """Guard the guard: the parser finds relative, nested and 'from . import x' imports."""
    graph = internal_graph()
    assert "recognizer.ui.theme" in graph["recognizer.ui.inspect.canvas"]
    assert "recognizer.ui.main_window" in graph["recognizer.ui.app"]
    assert any(m.startswith("recognizer.inputs.preprocess") for m in graph["recognizer.ui.inspect.number_view"])  # inside a function


def test_the_menus_call_inspects_methods_not_its_widgets():
    """Menus reach Draw & Inspect through the tab's own methods (tab.undo, tab.set_series), its
    signals and its state's events, never through a widget inside it (tab.canvas.undo,
    tab.state_panel.set_series, tab.autoplay_check.toggled)."""
    path = PACKAGE / "ui" / "menus.py"
    reached = {node.value.attr for node in ast.walk(ast.parse(path.read_text()))
               if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
               and isinstance(node.value.value, ast.Name) and node.value.value.id == "tab"}  # fmt: skip
    assert "state" in reached  # the check sees what it looks for
    assert reached <= {"state", "trace_changed", "series_changed", "series_offered"}


def test_no_module_of_the_window_imports_by_string():
    """Tabs are registered in ui/tabs.py, not loaded by importlib with a module name no check sees."""
    offenders = [name for name, path in modules().items()
                 if in_package(name, "recognizer.ui") and any(m.split(".")[0] == "importlib" for m in imports(name, path))]
    assert offenders == []


def registered_tab_classes() -> dict[str, type]:
    """The tab classes ui/tabs.py builds: every "...Tab" it imports, at the top or in a factory."""
    import importlib

    found = {}
    for node in ast.walk(ast.parse((PACKAGE / "ui" / "tabs.py").read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            module = "recognizer.ui" + ("." + node.module if node.module else "")
            for alias in node.names:
                if alias.name.endswith("Tab"):
                    found[alias.name] = getattr(importlib.import_module(module), alias.name)
    return found


def test_every_registered_tab_follows_the_tab_protocol():
    import inspect

    from recognizer.ui.tab_protocol import Tab
    from recognizer.ui.tabs import TABS

    classes = registered_tab_classes()
    assert len(classes) == len(TABS) and all(entry.build is not None for entry in TABS)
    members = {name: inspect.signature(fn) for name, fn in vars(Tab).items() if inspect.isfunction(fn) and not name.startswith("_")}
    assert set(members) == {"set_model_in_use", "restore_settings", "save_settings", "shutdown"}
    missing = []
    for cls_name, cls in classes.items():
        for name, wanted in members.items():
            method = getattr(cls, name, None)
            # every parameter the protocol passes is taken; more may follow, with defaults
            params = list(inspect.signature(method).parameters.values()) if callable(method) else []
            needed = len(wanted.parameters)
            if not callable(method) or len(params) < needed or any(p.default is inspect.Parameter.empty for p in params[needed:]):
                missing.append(f"{cls_name}.{name}")
    assert missing == []


def test_the_window_is_on_screen_before_torch_is_imported():
    """Start-up: torch (about 1.8 s to import on a loaded machine) comes after the first paint; the
    canvas's stroke rendering takes MNIST's framing from dims.py, not from preprocess.py."""
    import os
    import subprocess
    import sys

    code = ("import sys\nfrom recognizer.ui.app import make_application\napp = make_application()\n"
            "from recognizer.ui.main_window import MainWindow\nw = MainWindow()\nw.show()\napp.processEvents()\n"
            "print(w._ready, 'torch' in sys.modules)\nw.ensure_ready()\nprint('torch' in sys.modules)\nw.close()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}).stdout.split()
    assert out == ["False", "False", "True"]
