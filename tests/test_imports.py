"""Imports point one way (DESIGN.md, "Layers"): no import circles between bot's modules or packages, no
arrow from a lower layer to a higher one; only bot/slack and the stand-in know Slack's libraries; SQL
stays in bot/store; the stand-in imports nothing of the bot."""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
STANDIN = ROOT / "slack_standin"

# bot's packages and top-level modules, lowest layer first. A unit may import only units of lower
# layers; units of one layer do not import each other, except the entry points at the top.
LAYERS: tuple[frozenset[str], ...] = (
    # Pure rules; the one clock; metrics and logs. None imports anything of bot but itself.
    frozenset({"domain", "clock", "observability"}),
    # YAML into validated domain objects; tables, queries and migrations. Both over the domain only.
    frozenset({"config", "store"}),
    # The durable job engine (handlers come from the wiring); output formats (charts, iCal, CSV, rota import).
    frozenset({"jobs", "charts", "oncall_export", "export", "rota_import"}),
    # Use cases: they take a unit of work, a clock and ports, and raise the job engine's DeliveryError.
    frozenset({"services"}),
    # The surfaces: Slack (Bolt app, listeners, Block Kit) and the other contact methods.
    frozenset({"slack", "contact"}),
)
ENTRY_POINTS = frozenset(
    {"bootstrap", "cli", "cli_config", "cli_store", "demo", "demo_phone"}
)  # the wiring and the commands


def _imports(path: Path, *, type_checking: bool = True) -> Iterator[tuple[str, int]]:
    """(module, line) for every import in `path`, in functions too (a lazy import is still an arrow);
    `from pkg import name` also yields `pkg.name`, which may be a module."""
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    if not type_checking:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped.update(id(child) for child in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
            for alias in node.names:
                yield f"{node.module}.{alias.name}", node.lineno


def _runtime_imports(path: Path) -> list[str]:
    return [name for name, _ in _imports(path, type_checking=False)]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in BOT.rglob("*.py")}


def _unit(module: str) -> str:
    """The package or top-level module of bot that `module` belongs to."""
    return module.split(".")[1] if module != "bot" else ""


def _module_graph() -> dict[str, dict[str, int]]:
    """bot's modules → the bot modules each imports (with the line of the first such import)."""
    graph: dict[str, dict[str, int]] = {}
    for module, path in MODULES.items():
        edges = graph.setdefault(module, {})
        for name, line in _imports(path):
            while name and name not in MODULES:  # `from bot.x import some_function` → bot.x
                name = name.rpartition(".")[0]
            if name and name != module and name != "bot" and not module.startswith(name + "."):
                edges.setdefault(name, line)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _layer_of(unit: str) -> int:
    for rank, members in enumerate(LAYERS):
        if unit in members:
            return rank
    if unit in ENTRY_POINTS:
        return len(LAYERS)
    raise AssertionError(f"bot.{unit} is in no layer: place it in LAYERS or ENTRY_POINTS in {Path(__file__).name}")


def test_no_import_cycle_between_bots_modules():
    graph = {module: set(edges) for module, edges in _module_graph().items()}
    assert _cycles(graph) == []


def test_no_import_cycle_between_bots_packages():
    graph: dict[str, set[str]] = {}
    for module, edges in _module_graph().items():
        graph.setdefault(_unit(module), set()).update(_unit(other) for other in edges if _unit(other) != _unit(module))
    assert _cycles(graph) == []


def test_every_import_points_to_a_lower_layer():
    upward = []
    for module, edges in _module_graph().items():
        unit = _unit(module)
        if not unit:
            continue
        for other, line in edges.items():
            target = _unit(other)
            if target == unit:
                continue
            if _layer_of(target) >= _layer_of(unit) and not (unit in ENTRY_POINTS and target in ENTRY_POINTS):
                upward.append(f"{MODULES[module].relative_to(ROOT)}:{line} imports {other}")
    assert upward == []


def test_the_layer_rules_named_in_design_hold():
    """The arrows DESIGN.md and the issues name, spelled out (the layer test implies them)."""
    graph = _module_graph()

    def imported_by(unit: str) -> set[str]:
        return {_unit(other) for module, edges in graph.items() if _unit(module) == unit for other in edges}

    assert imported_by("domain") <= {"domain"}
    assert imported_by("clock") <= {"clock"}
    assert not imported_by("config") & {"services", "slack", "store", "jobs"}
    assert not imported_by("store") & {"services", "slack", "jobs", "config"}
    assert not imported_by("jobs") & {"services", "slack", "contact"}
    assert not imported_by("services") & {"slack", "contact"}


def test_the_cycle_check_sees_a_lazy_circle():
    """The checker itself: config's old circle (loader imports flows at the top, flows imports loader
    inside a function) is a cycle; a chain is not."""
    circle = {"loader": {"flows", "schedules"}, "flows": {"loader"}, "schedules": {"loader"}}
    assert _cycles(circle) == [["flows", "loader", "schedules"]]
    assert _cycles({"slack": {"services"}, "services": {"domain"}, "domain": set()}) == []


def _files_outside(*folders: str):
    for path in BOT.rglob("*.py"):
        if not any(part in folders for part in path.relative_to(BOT).parts[:-1]):
            yield path


def test_only_the_slack_layer_imports_slack_libraries():
    for path in _files_outside("slack"):
        for name in _runtime_imports(path):
            assert not name.startswith(("slack_bolt", "slack_sdk")), f"{path.relative_to(BOT)} imports {name}"


def test_sql_libraries_stay_in_the_store():
    for path in _files_outside("store"):
        if path.name == "conftest.py":
            continue
        for name in _runtime_imports(path):
            assert not name.startswith(("sqlalchemy", "sqlmodel")), f"{path.relative_to(BOT)} imports {name}"


def test_the_stand_in_imports_nothing_of_the_bot():
    for path in STANDIN.rglob("*.py"):
        for name, line in _imports(path):
            assert name != "bot" and not name.startswith("bot."), f"{path.relative_to(ROOT)}:{line} imports {name}"


def test_the_job_runner_imports_no_use_case():
    """bot/jobs runs whatever handlers the wiring gives it: nothing in it imports bot.services."""
    for path in (BOT / "jobs").rglob("*.py"):
        for name in _runtime_imports(path):
            assert not name.startswith("bot.services"), f"{path.relative_to(BOT)} imports {name}"


def test_listeners_reach_the_store_only_through_services():
    """Thin listeners (issue 18): they parse a payload, call a service, render. None imports the store
    (not even for type hints), names `Store`, or reaches for a `.store` of anything."""
    for path in sorted((BOT / "slack" / "listeners").rglob("*.py")):
        tree = ast.parse(path.read_text())
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        where = path.relative_to(BOT)
        for name in imported:
            assert not name.startswith(("bot.store", "sqlalchemy", "sqlmodel")), f"{where} imports {name}"
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        assert "Store" not in names, f"{where} holds a Store"
        attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert "store" not in attributes, f"{where} reads something's .store"
