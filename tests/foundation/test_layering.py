"""The layering rule, read from the source: the core app imports no feature app, and no app imports
another's private (underscore) names.

`orchestrator_site` is the core (settings, URLs, identity, router, shared helpers); the feature apps
build on it. A core that imports a feature app cannot be reused or tested without it, and the
import order at start-up starts to depend on which app is loaded first. Settings may still name a
feature app by string (INSTALLED_APPS, context processors): that is configuration, not an import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = "orchestrator_site"
FEATURE_APPS = ("dashboard", "queues", "triggers", "logs", "vault", "alerts", "metrics", "demo")
APPS = (CORE, *FEATURE_APPS)


def python_files(app: str) -> Iterator[Path]:
    yield from sorted((ROOT / app).rglob("*.py"))


def imports(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str, str | None]]:
    """(line, module, imported name or None) for every import in the file, wherever it stands
    (module level, inside a function, under `if TYPE_CHECKING`), relative imports resolved, and
    `import_module("...")` with a literal name counted as an import too."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Call) and _is_import_call(node):
            yield node.lineno, node.args[0].value, None
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                yield node.lineno, module, alias.name


def _is_import_call(node: ast.Call) -> bool:
    function = node.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    return (
        name in {"import_module", "__import__"}
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def app_of(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in APPS else None


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(path: Path, app: str, root: Path = ROOT) -> Iterator[tuple[int, str]]:
    """(line, what) for each private name of another app that the file reaches: imported by name
    (`from logs.queries import _count`), through a private module (`logs._util`), or as an
    attribute of a module imported from another app (`queries._count`)."""
    from_other_apps: set[str] = set()
    for line, module, name in imports(path, root):
        other = app_of(module)
        if other is None or other == app:
            continue
        dotted = f"{module}.{name}" if name else module
        if any(is_private(part) for part in dotted.split(".")):
            yield line, dotted
        elif name:
            from_other_apps.add(name)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and is_private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in from_other_apps
        ):
            yield node.lineno, f"{node.value.id}.{node.attr}"


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_the_core_imports_no_feature_app():
    found = [
        f"{where(path, line)} imports {module}" + (f".{name}" if name else "")
        for path in python_files(CORE)
        for line, module, name in imports(path)
        if app_of(module) in FEATURE_APPS
    ]
    assert not found, "The core app imports feature apps:\n" + "\n".join(found)


def test_apps_use_no_private_name_of_another_app():
    found = [
        f"{where(path, line)} uses {what}"
        for app in APPS
        for path in python_files(app)
        for line, what in private_uses(path, app)
    ]
    assert not found, "Apps use private names of other apps (make a public one):\n" + "\n".join(
        found
    )


def test_the_check_sees_every_kind_of_import(tmp_path):
    """An import inside a function, a relative one and an import_module() call are all seen, so a
    lazy import cannot slip past the checks above."""
    source = tmp_path / CORE / "lazy.py"
    source.parent.mkdir()
    source.write_text(
        "import importlib\n"
        "def f():\n"
        "    if True:\n"
        "        from triggers.models import Scheduler\n"
        "    return importlib.import_module('logs.queries')\n"
        "from .helpers import _private\n",
        encoding="utf-8",
    )
    assert sorted(imports(source, root=tmp_path)) == [
        (1, "importlib", None),
        (4, "triggers.models", "Scheduler"),
        (5, "logs.queries", None),
        (6, f"{CORE}.helpers", "_private"),
    ]


def test_the_check_sees_every_way_to_a_private_name(tmp_path):
    source = tmp_path / "queues" / "sneaky.py"
    source.parent.mkdir()
    source.write_text(
        "from logs import queries\n"
        "from logs.queries import _count\n"
        "from logs._util import tidy\n"
        "from . import _own\n"
        "from queues.models import _also_own\n"
        "def f():\n"
        "    return queries._count() + queries.__name__\n",
        encoding="utf-8",
    )
    assert sorted(private_uses(source, "queues", root=tmp_path)) == [
        (2, "logs.queries._count"),
        (3, "logs._util.tidy"),
        (7, "queries._count"),
    ]
