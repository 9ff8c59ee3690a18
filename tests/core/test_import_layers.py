"""The apps stand in one-way layers (DESIGN.md §3): core, then the player mirror, then the case journal,
then the services, then intake and the channels, then the console. This test reads every module of every
app (imports at module level and inside functions alike) and fails on:

- an import of a higher layer, or of an app of the same layer that imports back (a cycle among apps);
- an import of another app's ``_private`` name;
- an import of another app inside a function (they are for optional third-party dependencies only);
- an app importing the project's own modules (settings, urls, asgi, routing, cli sit above every app);
- a hook path in ``settings.HOOKS`` that does not import.

What a lower layer must let a higher one do goes through ``settings.HOOKS`` (``core.hooks``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parents[2] / "playerdesk"
# Bottom to top; an app not named here is a service (layer 4).
LAYERS = {"core": 1, "players": 2, "tickets": 3, "intake": 5, "mail": 5, "chat": 5, "portal": 5, "api": 5}
LAYERS["console"] = 6
SERVICES = 4
PROJECT_MODULES = {"settings", "urls", "asgi", "wsgi", "routing", "cli"}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    where: str
    names: tuple[str, ...]
    local: bool


def apps(root: Path = ROOT) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def layer(app: str) -> int:
    return LAYERS.get(app, SERVICES)


def edges(root: Path = ROOT) -> list[Edge]:
    found: list[Edge] = []
    for app in apps(root):
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            module_level = {id(node) for node in tree.body}
            for parent in tree.body:  # `if TYPE_CHECKING:` blocks count as module level
                if isinstance(parent, ast.If):
                    module_level |= {id(node) for node in ast.walk(parent)}
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module:
                    modules = [(node.module, tuple(a.name for a in node.names))]
                elif isinstance(node, ast.Import):
                    modules = [(a.name, ()) for a in node.names]
                else:
                    continue
                for module, names in modules:
                    parts = module.split(".")
                    if parts[0] != "playerdesk" or len(parts) < 2:
                        if parts == ["playerdesk"]:  # `from playerdesk import x`
                            for name in names:
                                found.append(Edge(app, name, f"{path}:{node.lineno}", (), False))
                        continue
                    target = parts[1]
                    if target == app:
                        continue
                    where = f"{path.relative_to(root.parent)}:{node.lineno}"
                    local = id(node) not in module_level
                    found.append(Edge(app, target, where, names, local))
    return found


def test_no_app_imports_a_higher_layer() -> None:
    upward = [
        e for e in edges() if e.target in LAYERS or e.target in apps() if layer(e.target) > layer(e.source)
    ]
    assert not upward, "\n".join(f"{e.where}: {e.source} (layer {layer(e.source)}) imports {e.target} "
                                 f"(layer {layer(e.target)})" for e in upward)  # fmt: skip


def cycles(found: list[Edge]) -> list[str]:
    graph: dict[str, set[str]] = {}
    for e in found:
        graph.setdefault(e.source, set()).add(e.target)
    loops = set()
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    loops.add(" -> ".join([*path, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    return sorted(loops)


def test_apps_form_no_cycle() -> None:
    found = cycles([e for e in edges() if e.target in apps()])
    assert not found, "\n".join(found)


def test_no_private_names_of_another_app() -> None:
    private = [f"{e.where}: {e.source} imports {e.target}.{name}" for e in edges() for name in e.names
               if name.startswith("_")]  # fmt: skip
    assert not private, "\n".join(private)


def test_no_app_imported_inside_a_function() -> None:
    local = [f"{e.where}: {e.source} imports {e.target} inside a function" for e in edges() if e.local]
    assert not local, "\n".join(local)


def test_apps_do_not_import_the_project_modules() -> None:
    project = [f"{e.where}: {e.source} imports playerdesk.{e.target}" for e in edges()
               if e.target in PROJECT_MODULES]  # fmt: skip
    assert not project, "\n".join(project)


def test_every_hook_imports() -> None:
    for name, paths in settings.HOOKS.items():
        assert paths, name
        for path in paths:
            assert callable(import_string(path)), f"HOOKS[{name!r}]: {path}"


def test_the_check_sees_what_it_must_refuse(tmp_path: Path) -> None:
    """The reader itself, on a small tree: an upward import inside a function, a private name, a cycle."""
    root = tmp_path / "playerdesk"
    for app, source in {
        "core": "def f():\n    from playerdesk.tickets.actions import _lock\n",
        "tickets": "from playerdesk.core import clock\n",
        "mail": "from playerdesk.chat import frames\n",
        "chat": "from playerdesk.mail import parse\n",
    }.items():
        (root / app).mkdir(parents=True)
        (root / app / "__init__.py").write_text("")
        (root / app / "actions.py").write_text(source)
    found = edges(root)
    core = next(e for e in found if e.source == "core")
    assert (core.target, core.names, core.local) == ("tickets", ("_lock",), True)
    assert layer(core.target) > layer(core.source)
    assert {(e.source, e.target) for e in found} >= {("mail", "chat"), ("chat", "mail"), ("tickets", "core")}
    assert {"chat -> mail -> chat", "core -> tickets -> core"} <= set(cycles(found))
    assert not cycles([e for e in found if e.source != "core"][:1])
