"""An import-linter contract type: no import circle between the project's modules.

import-linter's own `acyclic_siblings` only compares the children of one package,
squashed (a circle between two apps, or two sub-packages that merely import each
other's neighbours, is judged by another rule). This one asks of the whole graph
what a newcomer means by a circle: can module A, through imports, reach module A
again? The graph is grimp's, built from the AST, so imports inside functions (the
usual way to hide a circle) count like any other.

Registered in pyproject.toml (`contract_types`), checked by `lint-imports` and by
tests/test_it_has_no_import_circles.py.
"""

import importlib.util
from collections import deque
from functools import cache
from pathlib import Path

import grimp
from importlinter.application import output
from importlinter.domain.contract import Contract, ContractCheck


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that all reach each other through imports (Tarjan), sorted."""
    modules = sorted(graph.modules)
    imports = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index, low, on_stack, stack, groups = {}, {}, set(), [], []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in imports[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
                on_stack.discard(group[-1])
            if len(group) > 1 or module in imports[module]:
                groups.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return sorted(groups)


def shortest_circle(graph: grimp.ImportGraph, group: list[str]) -> list[str]:
    """One circle through the group's first module, as short as it comes: [a, b, …, a]."""
    start, members = group[0], set(group)
    came_from = {start: None}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for imported in sorted(graph.find_modules_directly_imported_by(module) & members):
            if imported == start:
                path = [module]
                while came_from[path[-1]] is not None:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if imported not in came_from:
                came_from[imported] = module
                queue.append(imported)
    return [start, start]  # unreachable for a strongly connected group


@cache
def _source_lines(module: str) -> list[str]:
    return Path(importlib.util.find_spec(module).origin).read_text().splitlines()


def where(module: str, line: int) -> str:
    """"inside a function" (or another block) when the import line is indented."""
    text = _source_lines(module)[line - 1]
    return "inside a function or block" if text[:1].isspace() else "at the top"


class NoCirclesContract(Contract):
    type_name = "no_circles"

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        circles = []
        for group in strongly_connected(graph):
            members = set(group)
            imports = [
                (importer, imported, detail["line_number"], detail["line_contents"])
                for importer in group
                for imported in sorted(graph.find_modules_directly_imported_by(importer) & members)
                for detail in graph.get_import_details(importer=importer, imported=imported)
            ]
            circles.append({"modules": group, "circle": shortest_circle(graph, group),
                            "imports": imports})
        return ContractCheck(kept=not circles, metadata={"circles": circles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        circles = check.metadata["circles"]
        output.print_error(f"{len(circles)} import circle(s):")
        output.new_line()
        for number, circle in enumerate(circles, 1):
            output.print_error(f"{number}. {' -> '.join(circle['circle'])}", bold=True)
            output.print(f"   modules in this circle: {', '.join(circle['modules'])}")
            output.print("   imports between them:")
            for importer, imported, line, contents in circle["imports"]:
                output.print(f"   - {importer} -> {imported}, line {line}, "
                             f"{where(importer, line)}: {contents}")
            output.new_line()
