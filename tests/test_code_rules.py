"""Project rules that keep the code base coherent: layers, lint, documented CLI."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "debc_outreach"

# A layer may import only the layers listed for it (and itself, and the top-level modules).
ALLOWED = {
    "core": set(),
    "storage": {"core"},
    "content": {"core", "storage"},
    "sync": {"core", "storage"},
    "reports": {"core", "storage", "content", "sync"},   # sync: signed certificates
    "hub": {"core", "storage", "sync"},
    "commands": {"core", "storage", "content", "sync", "reports", "hub"},
    "gui": {"core", "storage", "content", "sync", "reports"},
}
NO_QT = {"core", "storage", "sync", "hub"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _layer_files():
    for layer in ALLOWED:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            yield layer, path


@pytest.mark.parametrize(("layer", "path"), list(_layer_files()),
                         ids=lambda v: v if isinstance(v, str) else v.name)
def test_imports_point_down_only(layer, path):
    for name in _imports(path):
        if name.startswith("PySide6"):
            assert layer not in NO_QT, f"{path.relative_to(ROOT)} imports Qt"
        parts = name.split(".")
        if parts[0] != "debc_outreach" or len(parts) < 2:
            continue
        target = parts[1]
        if target in ALLOWED and target != layer:
            assert target in ALLOWED[layer], f"{path.relative_to(ROOT)} imports {name}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _package_imports(path: Path, package: str, modules: set[str]) -> set[str]:
    """The package's modules `path` imports, at module level or inside functions alike
    (an import moved into a function still ties the two modules together), except
    under `if TYPE_CHECKING:`."""
    found = set()
    pending = list(ast.parse(path.read_text(encoding="utf-8")).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in modules else base)
        pending.extend(ast.iter_child_nodes(node))
    return found & modules


def _import_graph() -> dict[str, set[str]]:
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = _package_imports(path, package, set(paths)) - {name}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or through others (Tarjan)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for imported in sorted(graph[module]):
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                circles.append(sorted(group))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return circles


def test_no_import_circles():
    """Every module can be read knowing only what it imports: no two modules of the
    package import each other, directly or through others."""
    circles = _circles(_import_graph())
    assert not circles, "import circles:\n" + "\n".join(" <-> ".join(c) for c in circles)


def test_the_circle_finder_sees_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]


def test_code_is_ruff_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "debc_outreach", "tests",
                             "bench", "dev.py"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def _cli_commands(parser, prefix=()):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                has_children = any(isinstance(a, argparse._SubParsersAction)
                                   for a in sub._actions)
                if has_children:
                    yield from _cli_commands(sub, (*prefix, name))
                else:
                    yield " ".join((*prefix, name))


def test_every_cli_command_is_documented_in_the_readme():
    from debc_outreach.cli import build_parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in _cli_commands(build_parser()) if f"debc-outreach {c}" not in readme]
    assert not missing, f"document in README.md: {missing}"


# The project's parent folder "shared" (a relative path to it, or `ROOT.parent` and the name).
# The pattern is written so that it does not match itself.
_OUTSIDE_DATA = re.compile(r'\.\.[/\\]shared|parent\s*/\s*"shared"')


def test_no_test_reaches_outside_the_project_for_its_data():
    """A fresh clone has nothing beside it: every file the tests read lives in the project
    (tests/data/ keeps the copied Khmer test data)."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        if _OUTSIDE_DATA.search(path.read_text(encoding="utf-8", errors="replace")):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"copy the data into tests/data/ instead: {offenders}"
